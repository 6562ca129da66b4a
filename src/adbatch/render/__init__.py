"""Turning a timeline and its assets into a delivered file.

frames and text draw pictures, overlays, captions and endcard lay out words, mix and loudness make the
soundtrack, encode and segments write the MP4, probe reads it back, sheet makes the contact sheet.
Importing this package imports nothing heavy: PyAV is loaded by ``segments`` when it encodes.
"""

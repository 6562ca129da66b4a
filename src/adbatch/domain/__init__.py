"""The data every stage hands to the next: archetype, script, timeline, brand kit and manifest.

Plain typed values with validation where outside data enters; no I/O beyond reading and
writing their own files, and no imports from the stages above them.
"""

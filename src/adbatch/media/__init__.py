"""Media primitives below both the renderer and the providers: WAV files, drawing, probing, sniffing.

``adbatch.render`` and ``adbatch.providers`` both import from here; this package imports neither
(nor any stage), so a provider never reaches into the renderer and the renderer never into a
provider. Each module is small, pure and free of style: callers pass sizes, radii and colours.
"""

"""The pipeline's stages, in the order a job runs them.

catalog (and media checks) -> insights -> write (script) -> hooks -> direct -> plan ->
assets -> (render) -> qa. Each takes the previous stage's typed output.
"""

"""Chapter-specific exercise checkers, one module per chapter (``ch02`` ...).

Each ``check_chNN_*`` function computes the expected answer itself (from given
or hidden inputs) and returns a :class:`rnn_helpers.exercises.feedback.CheckResult`
built with the feedback core in :mod:`rnn_helpers.exercises.feedback`: specific, kind
messages (which shape, sign or term is wrong, by how much) that never reveal
the solution, and "not yet solved" for ``None`` answers in the student edition.
"""

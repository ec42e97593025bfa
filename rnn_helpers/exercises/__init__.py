"""The auto-checked exercises: one feedback core and one checker module per chapter.

- :mod:`rnn_helpers.exercises.feedback`: the core that every checker is built
  on (the result object, the generic array/number/count/shape checks with
  their diagnoses, safe readers of an answer, the float32 rule, calling a
  learner's function on copies of its inputs);
- ``rnn_helpers.exercises.chNN`` (``ch01`` ... ): the checkers of chapter NN,
  ``check_chNN_<what>``, and the data of its exercises, ``chNN_<what>()``.

Each ``check_chNN_*`` function computes the expected answer itself (from given
or hidden inputs) and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult`: specific, kind messages
(which shape, sign, gate or term is wrong) that never reveal the solution, and
"not yet solved" for ``None`` answers in the student edition. A checker
raises ``ValueError`` only for a wrong *configuration* argument (the sizes or
settings the exercise passes), never for a learner's answer.
"""

"""Every write to a recount case, one module per stage: `requests` (filing, recording, withdrawing),
`candidates` (linking accounts), `decisions` (deny, order, direct, schedule), `worksheets` (the
county's count), `outcomes` (each county's outcome and the case's end); and `imports` (returns
imported through the browser: the upload, its preview and the import, each read by a task). `cases` holds what they
share: the one error type, the one function that moves a case, and the check against the rules.

Keyword-only, typed, transactional; each sets the history user and reason, and raises
`RecountError` with a message a person can act on. Views, the admin and the commands call these.
"""

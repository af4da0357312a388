"""``lipsync review``: a local page in the browser to check a sheet against its audio and fix it.

:class:`~lipsync.review.session.ReviewSession` is the opened sheet (or dub-fit report) and what
can be done to it; :class:`~lipsync.review.server.ReviewServer` serves it to the page in
``static/`` on 127.0.0.1, behind a random token.
"""

"""The SIP gateway (issue 8): Kamailio at the edge, rtpengine for media, a media worker.

Modules:
* ``config``   — kamailio.cfg and rtpengine.conf from the centers' numbers and settings;
* ``stack``    — start/stop Kamailio and rtpengine on loopback (tests, bench, demo);
* ``codec``, ``sipmsg`` — G.711 and a small SIP message parser/builder;
* ``worker``   — the media worker: a B2BUA that answers, plays, records, dials, bridges;
* ``kamailio`` — the evapi event client and the jsonrpcs command client;
* ``gateway``  — the gateway protocol on top: routing endpoint for Kamailio, commands from
  the domain to the worker, worker and Kamailio events back to the live router;
* ``prompts``  — announcements as cached 8 kHz WAV (city audio, or offline speech).

Nothing here is imported by the domain (``calls.acd``): the SIP gateway is swappable.
"""

"""Connectors: the upstream publisher and the channel gateways.

``publisher`` validates CSV / JSON Lines files and produces aging and repayment events;
``gateway_runner`` consumes contact-due topics and hands each contact to a channel adapter
(``webhook`` or ``filesink``) behind the ``base.Gateway`` class; ``callbacks`` is the HTTP
endpoint where gateways report outcomes. See ``docs/connectors.md``.
"""

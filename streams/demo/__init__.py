"""The demo: the whole pipeline on one machine, driven by the simulator, with a live view.

``collectctl demo`` starts (if needed) the local broker, creates the topics, runs one worker
on event time and the file gateways as child processes, plays the simulated loan book day
by day and answers the contacts the pipeline asks for. ``collectctl replay`` plays the same
history offline through the same engine and prints recovery per tier and strategy variant.
"""

"""The live pipeline: the engine (admit, order, apply the core, collect outputs and state;
no Kafka) and the transactional loop that runs it on Kafka (``loop``)."""

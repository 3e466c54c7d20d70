"""The event contract: topic catalogue, Avro codec, schema evolution gate, DLQ headers.

``catalogue`` lists the topics; ``codec`` turns model records into message values and back
(the only module that translates); ``dlq`` builds dead-letter headers; ``admin`` creates
topics from the catalogue. Schemas live in ``schemas/``, docs in ``docs/contract/``.
"""

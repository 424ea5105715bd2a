"""Amazon DynamoDB Streams, reproduced: see ``engine.DynamoDBStreamsEngine``."""

from lakehose.services.dynamodbstreams.engine import DynamoDBStreamsEngine

__all__ = ["DynamoDBStreamsEngine"]

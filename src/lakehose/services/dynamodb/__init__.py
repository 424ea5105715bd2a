"""Amazon DynamoDB, reproduced: see ``engine.DynamoDBEngine``.

The package import stays light (no engine import) so that the expression and attribute modules
can be used and tested without pulling in storage and streaming.
"""

"""PartiQL for DynamoDB: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.

Statements are parsed by a recursive-descent parser (``lexer``, ``literals``, ``parser``,
``syntax``) and then run as the item operations they stand for: WHERE clauses become the engine's
condition trees (``conditions``), SELECT reads as a Query or Scan (``selects``), INSERT / UPDATE /
DELETE write as PutItem / UpdateItem / DeleteItem (``modifications``). ``operations`` and
``transaction`` hold the engine methods.
"""

from lakehose.services.dynamodb.partiql.operations import PartiQLOperations
from lakehose.services.dynamodb.partiql.transaction import PartiQLTransactions

__all__ = ["PartiQLOperations", "PartiQLTransactions"]

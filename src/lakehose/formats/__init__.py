"""AWS data formats that several engines read or write, kept once in core.

Engines never import each other, so a format two of them share lives here:

``hive_types``   Hive type strings as Glue stores column types (Hive ``TypeInfoUtils``), with
                 their Trino and Arrow forms
``openx_json``   the OpenX JSON SerDe's key-matching and coercion rules (Trino ``openxjson``),
                 which Firehose's record format conversion and Athena's reader both follow
``java_dates``   the lexical rules of Java date-time patterns (``DateTimeFormatter`` and
                 Joda-Time ``DateTimeFormat``): letter runs, quoted literals, optional sections; and
                 Java's ``Date.toString`` as AWS's messages print times
``attribute_values``  DynamoDB's AttributeValue JSON (binary values as base64), which DynamoDB
                 and DynamoDB Streams both read back
``tags``         the ``tags`` table that Kinesis and Firehose keep per resource
``pattern_cost``  which regular expressions Python's backtracking engine matches in linear time
                 (the gateway's model patterns, Athena's ``regexp_position``)
"""

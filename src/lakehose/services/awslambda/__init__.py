"""AWS Lambda, reproduced: see ``engine.LambdaEngine``."""

from lakehose.services.awslambda.engine import InvocationResult, LambdaEngine

__all__ = ["InvocationResult", "LambdaEngine"]

"""Adapters to AWS: the DynamoDB table (PynamoDB, private to this package) and Cognito."""

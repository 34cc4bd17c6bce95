"""The DynamoDB store: one table, every inventory change a conditional write."""

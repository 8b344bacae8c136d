"""The only code that reads courses/, quizzes/ and certificates/: validate, hash, sync, export."""

"""Scenario quizzes: question banks with versioned questions, quizzes drawn from them, attempts."""

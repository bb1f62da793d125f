"""Skill quizzes: the question bank (this part), quizzes and attempts (to come)."""

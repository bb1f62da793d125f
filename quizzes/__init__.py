"""Skill quizzes: question bank, quizzes, attempts that never lose an answer."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__, template_folder="templates")

from quizzes import bank_routes, manage_routes, routes  # noqa: E402,F401

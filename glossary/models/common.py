"""What the models of every concern share."""

from django.core.validators import MaxLengthValidator
from django.db import models


def bounded_text(limit, **options):
    """Plain text of at most `limit` characters. A TextField's max_length reaches only forms, so
    a validator checks it for imports too."""
    return models.TextField(max_length=limit, validators=[MaxLengthValidator(limit)], **options)

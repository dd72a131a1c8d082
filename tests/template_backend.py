"""The reader pages' Jinja2 engine, telling the test client what it renders, as Django's test
environment does for its own template language only: tests read `response.context` of either."""

from django.template.backends import jinja2
from django.test.signals import template_rendered


class Template(jinja2.Template):
    @property
    def name(self):
        return self.template.name

    def render(self, context=None, request=None):
        context = {} if context is None else context
        template_rendered.send(sender=self, template=self, context=context)
        return super().render(context, request)


class Jinja2(jinja2.Jinja2):
    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)

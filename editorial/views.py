from ipaddress import ip_address

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: what happened and when to try again, in the
    admin's own page (axes' default tells the user to contact an administrator)."""
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed sign-ins",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "admin/locked_out.html", context, status=429)


def forwarded_address(request):
    """The client's address behind the one proxy production trusts (DJANGO_BEHIND_HTTPS_PROXY),
    for sign-in throttling: the last entry of X-Forwarded-For, the one that proxy appended (the
    client may have sent any before it). Without a usable one, the proxy's own address."""
    last = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ip_address(last))
    except ValueError:
        return request.META.get("REMOTE_ADDR")

from django.shortcuts import render

from . import selectors


def home(request):
    return render(request, "portal/home.html", selectors.home_context())

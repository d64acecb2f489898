"""Delivery channels: one adapter per channel behind one interface (base.py), chosen by
settings (registry.py)."""

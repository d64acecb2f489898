"""Online payment gateways: one adapter per gateway behind `base.Gateway`."""

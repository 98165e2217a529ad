"""话务模拟器 · the call-traffic simulator: callers, a telephony gateway and agents, driven through the
product's real interfaces (the gateway websocket and the agent desktop websocket). It is not telephony:
no audio, no SIP; it plays the parts around the ACD so that the ACD, the desktop and the wallboard have
traffic to work with (and the KPIs have data). See docs/simulator.md."""

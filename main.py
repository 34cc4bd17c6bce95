"""Entry point: `python main.py` serves EventFlow (configuration from EVENTFLOW_* variables)."""

from eventflow.app.wiring import run

if __name__ in {"__main__", "__mp_main__"}:
    run()

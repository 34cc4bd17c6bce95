"""Parts shared by the screens: the frame, formatting, the session, panels, QR codes."""

// Daemon — see README.md for what this layer owns.

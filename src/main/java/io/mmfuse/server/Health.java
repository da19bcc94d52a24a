package io.mmfuse.server;

/** Readiness of the server as the probes see it. */
public final class Health {
    public enum State {
        /** Listening, model loading or warming up: not ready. */
        STARTING,
        /** Model warmed up: ready for traffic. */
        READY,
        /** Shutting down: not ready, in-flight requests finish, new ones are refused. */
        DRAINING
    }

    private volatile State state = State.STARTING;

    public State state() {
        return state;
    }

    public boolean ready() {
        return state == State.READY;
    }

    void set(State next) {
        state = next;
    }

    /** Throws {@link UnavailableException} unless ready. */
    public void requireReady() {
        State s = state;
        if (s != State.READY) {
            throw new UnavailableException("server is " + s.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}

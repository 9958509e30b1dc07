package dev.ccd.daemon.supervisor;

/**
 * Whether a message reached the runner's stdin. Not an acknowledgement: a runner that dies right
 * after the write never reads it, and its end says so.
 *
 * @param problem why it was not delivered, in the user's words; null when it was
 */
record Delivery(String problem) {
    static final Delivery DELIVERED = new Delivery(null);

    static Delivery failed(String problem) {
        return new Delivery(problem);
    }

    boolean delivered() {
        return problem == null;
    }
}

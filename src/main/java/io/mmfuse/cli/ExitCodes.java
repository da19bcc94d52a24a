package io.mmfuse.cli;

/** Process exit statuses of the CLI; scripts rely on them. */
final class ExitCodes {
    static final int OK = 0;
    /** Internal or native failure. */
    static final int FAILED = 1;
    /** Bad arguments or bad input; nothing useful was done. */
    static final int BAD_INPUT = 2;
    /** The job finished but skipped some inputs (listed in the summary and the report file). */
    static final int SKIPPED_INPUTS = 3;

    private ExitCodes() {
    }
}

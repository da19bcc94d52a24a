package io.mmfuse.bench.server;

/** Least-squares line through (t, y); growth compares the fitted value at the last t with the first. */
record LinearTrend(double intercept, double slope, double tStart, double tEnd) {
    static LinearTrend fit(double[] t, double[] y) {
        if (t.length < 2) {
            throw new IllegalArgumentException("need at least 2 samples to fit a trend, got " + t.length);
        }
        double mt = 0;
        double my = 0;
        for (int i = 0; i < t.length; i++) {
            mt += t[i];
            my += y[i];
        }
        mt /= t.length;
        my /= t.length;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < t.length; i++) {
            sxy += (t[i] - mt) * (y[i] - my);
            sxx += (t[i] - mt) * (t[i] - mt);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        return new LinearTrend(my - slope * mt, slope, t[0], t[t.length - 1]);
    }

    double at(double t) {
        return intercept + slope * t;
    }

    /** Relative change of the fitted line from the first to the last sample, e.g. 0.05 for +5 %. */
    double growth() {
        double start = at(tStart);
        return start == 0 ? 0 : (at(tEnd) - start) / start;
    }
}

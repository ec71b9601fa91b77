package dev.momentumps.study.experiment;

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.loop.GradientSource;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealVector;

/**
 * The least-squares problem of Mishchenko, Bach, Even, Woodworth's notebook: F(x) = (1/2n)‖Ax − b‖² with
 * A ~ U[0, 1]/√d (n × d), b = A·x* + 0.1·N(0, 1) noise, x* ~ N(0, 1), and F* = F(x̂) at the exact minimiser
 * x̂ = (AᵀA)⁻¹Aᵀb. Each worker draws minibatches of {@code batch} rows (with replacement) from its own stream.
 */
final class LeastSquares {
    final int n;
    final int d;
    final float[] a;
    final float[] b;
    final double optimum;

    LeastSquares(int n, int d, long seed) {
        this.n = n;
        this.d = d;
        SplittableRandom r = new SplittableRandom(seed);
        a = new float[n * d];
        b = new float[n];
        double scale = 1 / Math.sqrt(d);
        double[] xStar = new double[d];
        for (int j = 0; j < d; j++) {
            xStar[j] = gaussian(r);
        }
        for (int i = 0; i < n; i++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
                float v = (float) (r.nextDouble() * scale);
                a[i * d + j] = v;
                dot += v * xStar[j];
            }
            b[i] = (float) (dot + 0.1 * gaussian(r));
        }
        double[][] ata = new double[d][d];
        double[] atb = new double[d];
        for (int i = 0; i < n; i++) {
            int row = i * d;
            for (int j = 0; j < d; j++) {
                double aij = a[row + j];
                atb[j] += aij * b[i];
                for (int k = j; k < d; k++) {
                    ata[j][k] += aij * a[row + k];
                }
            }
        }
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < j; k++) {
                ata[j][k] = ata[k][j];
            }
        }
        RealVector xHat = new CholeskyDecomposition(new Array2DRowRealMatrix(ata, false), 1e-12, 1e-14)
                .getSolver().solve(new ArrayRealVector(atb, false));
        float[] x = new float[d];
        for (int j = 0; j < d; j++) {
            x[j] = (float) xHat.getEntry(j);
        }
        optimum = value(x);
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /** F(x). */
    double value(float[] x) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int row = i * d;
            double dot = 0;
            for (int j = 0; j < d; j++) {
                dot += a[row + j] * x[j];
            }
            double res = dot - b[i];
            sum += res * res;
        }
        return sum / (2 * n);
    }

    /** A worker: minibatches of {@code batch} rows drawn with its own stream. */
    GradientSource worker(int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TensorLayout layout = TensorLayout.of("x", d);
        return new GradientSource() {
            @Override
            public TensorLayout layout() {
                return layout;
            }

            @Override
            public void initialWeights(float[] w) {
                java.util.Arrays.fill(w, 0f);
            }

            @Override
            public double next(float[] w, float[] g) {
                java.util.Arrays.fill(g, 0f);
                double loss = 0;
                for (int s = 0; s < batch; s++) {
                    int row = r.nextInt(n) * d;
                    float dot = 0;
                    for (int j = 0; j < d; j++) {
                        dot += a[row + j] * w[j];
                    }
                    float res = dot - b[row / d];
                    loss += 0.5 * res * res;
                    float c = res / batch;
                    for (int j = 0; j < d; j++) {
                        g[j] += c * a[row + j];
                    }
                }
                return loss / batch;
            }

            @Override
            public int lastBatchSize() {
                return batch;
            }
        };
    }
}

import dev.momentumps.wire.TensorLayout;
import dev.momentumps.worker.loop.DanaSlim;
import dev.momentumps.worker.loop.ElasticWorker;
import dev.momentumps.worker.loop.GradientSource;
import dev.momentumps.worker.loop.LocalSgd;
import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * The Java worker-side methods on a known gradient, for the Python parity test. Reads from stdin the line
 * "METHOD n pushes" and the method's parameters ("dana-slim GAMMA", "local-sgd H LR BETA",
 * "elastic H LR ALPHA DELTA"), then a line of n values a, then one line of n values c_k per minibatch
 * gradient, then one line of n sent weights per push. The k-th minibatch gradient at x is a*x + c_k; prints
 * each push's vector as one line.
 */
public final class WorkerMethods {
    private static float[] floats(String line, int n) {
        String[] v = line.trim().split(" ");
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = Float.parseFloat(v[i]);
        }
        return f;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String[] head = in.readLine().trim().split(" ");
        int n = Integer.parseInt(head[1]);
        int pushes = Integer.parseInt(head[2]);
        String[] p = in.readLine().trim().split(" ");
        int steps = head[0].equals("dana-slim") ? 1 : Integer.parseInt(p[0]);
        float[] a = floats(in.readLine(), n);
        float[][] c = new float[pushes * steps][];
        for (int k = 0; k < c.length; k++) {
            c[k] = floats(in.readLine(), n);
        }
        GradientSource known = new GradientSource() {
            int k;

            @Override
            public TensorLayout layout() {
                return TensorLayout.builder().add("w", n).build();
            }

            @Override
            public void initialWeights(float[] w) {
            }

            @Override
            public double next(float[] x, float[] g) {
                float[] ck = c[k++];
                for (int i = 0; i < n; i++) {
                    g[i] = a[i] * x[i] + ck[i];
                }
                return k;
            }

            @Override
            public int lastBatchSize() {
                return 1;
            }
        };
        GradientSource method = switch (head[0]) {
            case "dana-slim" -> new DanaSlim(known, Double.parseDouble(p[0]));
            case "local-sgd" -> new LocalSgd(known, steps, Double.parseDouble(p[1]), Double.parseDouble(p[2]));
            case "elastic" -> new ElasticWorker(known, steps, Double.parseDouble(p[1]), Double.parseDouble(p[2]),
                    Double.parseDouble(p[3]));
            default -> throw new IllegalArgumentException(head[0]);
        };
        StringBuilder out = new StringBuilder();
        float[] g = new float[n];
        for (int t = 0; t < pushes; t++) {
            float[] sent = floats(in.readLine(), n);
            method.next(sent, g);
            for (int i = 0; i < n; i++) {
                out.append(i == 0 ? "" : " ").append(g[i]);
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}

import dev.momentumps.worker.data.DenseDataset;
import dev.momentumps.worker.model.LinearRegression;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Locale;

/**
 * The Java linear model's minibatch loss and gradient, for the torch parity test: reads "rows features",
 * then one line per row (features, then the label), then one line of weights (features, then the bias)
 * from stdin; prints the loss, then the gradient, one value a line.
 */
public final class LinearGradient {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String[] head = in.readLine().trim().split(" ");
        int rows = Integer.parseInt(head[0]);
        int features = Integer.parseInt(head[1]);
        float[] x = new float[rows * features];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            String[] v = in.readLine().trim().split(" ");
            for (int j = 0; j < features; j++) {
                x[r * features + j] = Float.parseFloat(v[j]);
            }
            y[r] = Float.parseFloat(v[features]);
        }
        String[] wv = in.readLine().trim().split(" ");
        float[] w = new float[features + 1];
        for (int j = 0; j <= features; j++) {
            w[j] = Float.parseFloat(wv[j]);
        }
        int[] batch = new int[rows];
        for (int r = 0; r < rows; r++) {
            batch[r] = r;
        }
        float[] g = new float[features + 1];
        double loss = new LinearRegression(features).lossAndGradient(w, new DenseDataset(x, y, features), batch, rows, g);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%.17g%n", loss));
        for (float v : g) {
            out.append(Float.toString(v)).append('\n');
        }
        System.out.print(out);
    }
}

package dev.momentumps.study.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

class PlotsTest {

    @Test
    void divergedCategoriesAreLabelledNotDropped() {
        List<String> l = Plots.barLabels(List.of("ASGD", "DC-ASGD-a"), List.of(new double[] {0.3, Double.NaN},
                new double[] {0.2, 0.1}));
        assertEquals(List.of("ASGD", "DC-ASGD-a (diverged)"), l);
    }

    @Test
    void nonFinitePointsGoAndTheirErrorBarsWithThem() {
        Plots.Line f = Plots.finite(new Plots.Line("a", new double[] {1, 2, 3}, new double[] {1, Double.NaN, 3},
                new double[] {0.1, 0.2, 0.3}));
        assertArrayEquals(new double[] {1, 3}, f.x());
        assertArrayEquals(new double[] {0.1, 0.3}, f.err());
        assertThrows(IllegalArgumentException.class, () -> new Plots.Line("b", new double[2], new double[2],
                new double[3]));
    }

    @Test
    void logAxesUseXChartsOwnDecadeLabels() {
        XYChart log = ChartStyle.xy("t", "x", "y");
        assertTrue(ChartStyle.logYIfSpansDecades(log, new double[] {0.25, 30}));
        assertNull(log.getStyler().getyAxisTickLabelsFormattingFunction(), "a custom formatter mislabels a log axis");
        XYChart lin = ChartStyle.xy("t", "x", "y");
        assertFalse(ChartStyle.logYIfSpansDecades(lin, new double[] {0.25, 2}));
        assertNotNull(lin.getStyler().getyAxisTickLabelsFormattingFunction());
    }

    @Test
    void logColourRampSpendsItsColoursOnTheSmallValues() {
        Color[] linear = Plots.ramp(0.01, 4, false);
        Color[] log = Plots.ramp(0.01, 4, true);
        assertEquals(64, log.length);
        // a value 5 % up the linear range is still the bottom colour linearly, but a third of the way up on a log scale
        int k = 3; // 0.01 + 3/63 * 3.99 ≈ 0.2
        assertTrue(log[k].getRed() > linear[k].getRed() + 40, log[k] + " vs " + linear[k]);
        assertEquals(linear[0], log[0]);
        assertEquals(linear[63], log[63]);
    }

    @Test
    void divergedHeatMapCellsAreMarkedNotLeftWhite(@TempDir Path dir) throws Exception {
        double nan = Double.NaN;
        double[][] z = {{1, nan, 3}, {4, 5, nan}};
        Path png = dir.resolve("map.png");
        Plots.heatMap(png, "t", "x", "y", List.of("a", "b", "c"), List.of("r0", "r1"), z, "0", false, "v");
        BufferedImage image = ImageIO.read(Files.newInputStream(png));
        assertEquals(960, image.getWidth());
        // the same map with every cell finite: the marked pixels are where the NaN cells are
        double[][] full = {{1, 2, 3}, {4, 5, 6}};
        BufferedImage finite = Plots.heatMapImage("t", "x", "y", List.of("a", "b", "c"), List.of("r0", "r1"), full,
                "0", false, "v");
        int grey = 0;
        int white = 0;
        int cells = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                if (rgb == (Plots.DIVERGED_FILL.getRGB() & 0xFFFFFF)) {
                    grey++;
                }
                if (rgb == 0xFFFFFF && (finite.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                    white++;
                }
                if (rgb != (finite.getRGB(x, y) & 0xFFFFFF)) {
                    cells++;
                }
            }
        }
        assertTrue(grey > 2 * 5000, "two grey cells expected, " + grey + " grey pixels");
        assertTrue(white < 200, white + " pixels white where a finite map has colour");
        assertTrue(cells > grey, "the marks lie where the finite map differs");
    }

    @Test
    void aMapWithoutNaNCellsHasNoMark() {
        BufferedImage image = Plots.heatMapImage("t", "x", "y", List.of("a", "b"), List.of("r0"),
                new double[][] {{1, 2}}, "0", false, "v");
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                assertTrue((image.getRGB(x, y) & 0xFFFFFF) != (Plots.DIVERGED_FILL.getRGB() & 0xFFFFFF),
                        "grey at " + x + "," + y);
            }
        }
    }
}

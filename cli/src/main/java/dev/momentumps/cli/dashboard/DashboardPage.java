package dev.momentumps.cli.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The dashboard page and its assets, all from the jar: the page, its script and style (this package's
 * resources) and uPlot (the {@code org.webjars.npm:uplot} WebJar, packaged at build time). {@link #live}
 * references them by URL for the server; {@link #report} inlines them and the run's data into one file.
 */
public final class DashboardPage {
    /** The asset names the page's server answers under {@code assets/}. */
    public static final String UPLOT_JS = "uPlot.iife.min.js";
    public static final String UPLOT_CSS = "uPlot.min.css";
    public static final String PAGE_JS = "dashboard.js";
    public static final String PAGE_CSS = "dashboard.css";

    private DashboardPage() {
    }

    /** The page a running dashboard serves: it polls {@code api/run}. */
    public static String live() {
        String assets = "<link rel=\"stylesheet\" href=\"assets/" + UPLOT_CSS + "\">\n"
                + "<link rel=\"stylesheet\" href=\"assets/" + PAGE_CSS + "\">\n"
                + "<script src=\"assets/" + UPLOT_JS + "\"></script>";
        return template().replace("<!--ASSETS-->", assets).replace("<!--DATA-->", "")
                .replace("<!--SCRIPT-->", "<script src=\"assets/" + PAGE_JS + "\"></script>");
    }

    /** A self-contained page: scripts, styles and {@code json} (a {@link LiveRun#snapshot}) inlined. */
    public static String report(String json) {
        String assets = "<style>\n" + text(UPLOT_CSS) + "\n" + text(PAGE_CSS) + "\n</style>\n<script>\n"
                + inline(text(UPLOT_JS)) + "\n</script>";
        return template().replace("<!--ASSETS-->", assets)
                .replace("<!--DATA-->", "<script>window.MPS_DATA = " + inline(json) + ";</script>")
                .replace("<!--SCRIPT-->", "<script>\n" + inline(text(PAGE_JS)) + "\n</script>");
    }

    /** An asset's bytes, or null for an unknown name. */
    public static byte[] asset(String name) {
        String path = switch (name) {
            case UPLOT_JS, UPLOT_CSS -> "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/" + name;
            case PAGE_JS, PAGE_CSS -> "/dev/momentumps/cli/dashboard/" + name;
            default -> null;
        };
        if (path == null) {
            return null;
        }
        try (InputStream in = DashboardPage.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The packaged uPlot's version, from its WebJar's Maven metadata. */
    static String uplotVersion() {
        Properties p = new Properties();
        try (InputStream in = DashboardPage.class.getResourceAsStream(
                "/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the uPlot WebJar is not on the class path");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static String template() {
        try (InputStream in = DashboardPage.class.getResourceAsStream("dashboard.html")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(String asset) {
        return new String(asset(asset), StandardCharsets.UTF_8);
    }

    /** Text safe inside a {@code <script>} element: no {@code </script>} or {@code <!--} can end it early. */
    static String inline(String s) {
        return s.replace("</", "<\\/").replace("<!--", "<\\!--");
    }
}

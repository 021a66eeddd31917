import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.mapper.MapperExtrasPlugin;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.reindex.ReindexPlugin;
import org.elasticsearch.transport.Netty4Plugin;

/**
 * Runs one real Elasticsearch node from the Maven Central jars. The distribution's launcher and module
 * folder are not on Central, so the modules Seam's tests need are loaded from the classpath instead.
 * Usage: SeamElasticsearch <home dir> <http port> <transport port>
 */
public final class SeamElasticsearch {
  /** Node's constructor that accepts classpath plugins is protected; this subclass exposes it. */
  private static final class ClasspathNode extends Node {
    ClasspathNode(Environment environment) {
      super(environment, List.of(Netty4Plugin.class, ReindexPlugin.class, MapperExtrasPlugin.class), true);
    }
  }

  public static void main(String[] args) throws Exception {
    Settings settings = Settings.builder()
        .put("path.home", args[0])
        .put("path.data", Path.of(args[0], "data").toString())
        .put("path.logs", Path.of(args[0], "logs").toString())
        .put("cluster.name", "seam-test")
        .put("node.name", "seam-test-node")
        .put("network.host", "127.0.0.1")
        .put("http.port", args[1])
        .put("transport.port", args[2])
        .put("discovery.type", "single-node")
        .put("http.type", "netty4")
        .put("transport.type", "netty4")
        // A nearly full disk on a shared test machine must not turn indices read-only.
        .put("cluster.routing.allocation.disk.threshold_enabled", false)
        .build();
    LogConfigurator.configureWithoutConfig(settings);
    Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "seam-test-node");
    Node node = new ClasspathNode(environment);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        e.printStackTrace();
      } finally {
        closed.countDown();
      }
    }));
    node.start();
    closed.await();
  }
}

package stakenet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * A real Neo4j 5.26 server for stakenet's tests: the official in-process test server (neo4j-harness)
 * with Bolt on 127.0.0.1, running until it is stopped (SIGTERM / SIGINT close it cleanly).
 *
 * <p>Usage: {@code java -cp ... stakenet.Neo4jTestServer [--port 7687] [--dir .neo4j/data] [--auth]
 * [--data-dir PATH]}. With {@code --data-dir}, the server opens the Neo4j data directory PATH
 * (databases/ and transactions/, e.g. one built by {@code neo4j-admin database import full}) instead of
 * a fresh one, and leaves it in place when it stops.
 * Without {@code --auth}, authentication is disabled (tests); with it, the server checks credentials
 * (the initial user is neo4j/neo4j), which lets tests see a real authentication failure.
 * Prints {@code READY bolt://127.0.0.1:PORT} once Bolt accepts connections.
 */
public final class Neo4jTestServer {
    private Neo4jTestServer() {}

    public static void main(String[] args) throws Exception {
        int port = 7687;
        Path dir = Path.of(".neo4j", "data");
        boolean auth = false;
        String pageCache = "256m";
        Path dataDir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--auth" -> auth = true;
                case "--page-cache" -> pageCache = args[++i];
                case "--data-dir" -> dataDir = Path.of(args[++i]).toAbsolutePath();
                default -> {
                    System.err.println("unknown argument " + args[i]
                            + "; usage: Neo4jTestServer [--port N] [--dir PATH] [--auth] [--page-cache 256m] [--data-dir PATH]");
                    System.exit(2);
                }
            }
        }
        Files.createDirectories(dir);
        var builder = Neo4jBuilders.newInProcessBuilder(dir);
        if (dataDir != null) {
            builder = builder.withConfig(GraphDatabaseSettings.data_directory, dataDir);
        }
        Neo4j neo4j = builder
                .withDisabledServer()
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .withConfig(HttpConnector.enabled, false)
                .withConfig(GraphDatabaseSettings.auth_enabled, auth)
                .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pageCache))
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            neo4j.close();
            stopped.countDown();
        }, "neo4j-stop"));
        System.out.println("READY " + neo4j.boltURI());
        System.out.flush();
        stopped.await();
    }
}

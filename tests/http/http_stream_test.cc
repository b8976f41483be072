// Streamed responses (HttpResponse::stream) over real loopback sockets: chunk order and framing,
// true streaming, the client going away, Stop with streams open, other connections unaffected,
// per-chunk deadlines, producer exceptions, HEAD, HTTP/1.0 and no-body statuses.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "tests/http/test_client.h"

namespace cognate::api {
namespace {

using testing::Response;
using testing::TestClient;
namespace http = boost::beast::http;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// /plain answers "plain" and /status204 a 204 carrying a producer; every other target streams
// "hello\n" and then whatever the installed producer yields. Targets starting with /block are
// blocking.
class StreamHandler : public HttpHandler {
 public:
  using Factory = std::function<HttpResponse::StreamProducer()>;

  // Call before the server starts.
  void set_factory(Factory factory) { factory_ = std::move(factory); }

  bool IsBlocking(const HttpRequest& request) const override {
    return request.target.rfind("/block", 0) == 0;
  }

  HttpResponse Handle(const HttpRequest& request) override {
    HttpResponse response;
    if (request.target.find("plain") != std::string::npos) {
      response.headers.emplace_back("Content-Type", "text/plain");
      response.body = "plain";
      return response;
    }
    response.headers.emplace_back("Content-Type", "text/event-stream");
    response.headers.emplace_back("Content-Length", "999");  // must be dropped for a stream
    response.body = "hello\n";
    response.stream = factory_();
    if (request.target == "/status204") response.status = 204;
    return response;
  }

 private:
  Factory factory_;
};

// Counts producer calls and tracks the producer's lifetime through a token it captures.
struct ProducerProbe {
  std::atomic<int> calls{0};
  std::atomic<int> in_flight{0};
  std::mutex mu;
  std::weak_ptr<int> token;

  std::shared_ptr<int> NewToken() {
    auto shared = std::make_shared<int>(0);
    std::lock_guard<std::mutex> lock(mu);
    token = shared;
    return shared;
  }
  bool Alive() {
    std::lock_guard<std::mutex> lock(mu);
    return !token.expired();
  }
};

// Holds chunk i back until the test has released it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  int released = 0;
  int produced = 0;
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    ++released;
    cv.notify_all();
  }
};

class HttpStreamTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.port = 0;
    options.handle_signals = false;
    server_ = std::make_unique<HttpServer>(options, handler_);
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  void SendGet(TestClient& client, const std::string& target) {
    http::request<http::string_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "127.0.0.1");
    ASSERT_FALSE(client.Send(request));
  }

  // A producer that yields `count` numbered events immediately, then ends.
  static HttpResponse::StreamProducer Events(int count, ProducerProbe* probe) {
    return [count, probe, i = 0](milliseconds) mutable -> std::optional<std::string> {
      ++probe->calls;
      if (i == count) return std::nullopt;
      return "event " + std::to_string(++i) + "\n";
    };
  }

  // A producer that writes nothing: each call waits out max_wait and returns "".
  static HttpResponse::StreamProducer Silent(ProducerProbe* probe) {
    return [probe, token = probe->NewToken()](milliseconds max_wait) {
      ++probe->calls;
      ++probe->in_flight;
      std::this_thread::sleep_for(max_wait);
      --probe->in_flight;
      return std::optional<std::string>("");
    };
  }

  // What producers touch lives in the fixture: a producer may still be running when the test
  // body returns, until TearDown's Stop.
  ProducerProbe probe_;
  Gate gate_;
  StreamHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

// Waits up to `limit` for `done`, polling.
template <typename Predicate>
bool Eventually(Predicate done, Clock::duration limit) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

TEST_F(HttpStreamTest, StreamsChunksInOrderThenEnds) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&] { return Events(5, &probe); });
  StartServer();
  // Both kinds of request can stream.
  for (const char* target : {"/events", "/block-events"}) {
    SCOPED_TRACE(target);
    probe.calls = 0;
    TestClient client(server_->port());
    SendGet(client, target);
    ASSERT_FALSE(client.ReadStreamHead());
    const auto& head = client.stream_head();
    EXPECT_EQ(head.result_int(), 200u);
    EXPECT_EQ(head[http::field::transfer_encoding], "chunked");
    EXPECT_EQ(head.count(http::field::content_length), 0u);
    EXPECT_EQ(head[http::field::connection], "close");
    EXPECT_EQ(head[http::field::content_type], "text/event-stream");
    EXPECT_EQ(head[http::field::server], "cognate");

    std::vector<std::string> chunks;
    for (;;) {
      std::optional<std::string> chunk;
      ASSERT_FALSE(client.NextChunk(chunk));
      if (!chunk) break;
      chunks.push_back(*chunk);
    }
    EXPECT_EQ(chunks, (std::vector<std::string>{"hello\n", "event 1\n", "event 2\n", "event 3\n",
                                                "event 4\n", "event 5\n"}));
    EXPECT_TRUE(testing::IsConnectionClosed(client.ReadUntilClosed()));
    EXPECT_EQ(probe.calls.load(), 6);  // not called again after it ended the stream
  }
}

TEST_F(HttpStreamTest, ChunksReachTheClientBeforeLaterOnesAreProduced) {
  // The producer yields chunk i only once the test has released it, returning "" (nothing yet)
  // each time max_wait runs out meanwhile.
  Gate& gate = gate_;
  constexpr int kChunks = 3;
  handler_.set_factory([&]() -> HttpResponse::StreamProducer {
    return [&gate](milliseconds max_wait) -> std::optional<std::string> {
      std::unique_lock<std::mutex> lock(gate.mu);
      if (!gate.cv.wait_for(lock, max_wait, [&] { return gate.released > gate.produced; })) {
        return "";
      }
      if (++gate.produced > kChunks) return std::nullopt;
      return "chunk " + std::to_string(gate.produced);
    };
  });
  HttpServerOptions options;
  options.stream_max_wait = milliseconds(50);  // several empty polls between releases
  StartServer(options);

  TestClient client(server_->port());
  SendGet(client, "/gated");
  ASSERT_FALSE(client.ReadStreamHead());  // the head goes out before anything is produced
  std::optional<std::string> chunk;
  ASSERT_FALSE(client.NextChunk(chunk));
  EXPECT_EQ(chunk, "hello\n");
  for (int i = 1; i <= kChunks; ++i) {
    std::this_thread::sleep_for(milliseconds(120));
    gate.Release();
    ASSERT_FALSE(client.NextChunk(chunk)) << i;
    EXPECT_EQ(chunk, "chunk " + std::to_string(i));
    std::lock_guard<std::mutex> lock(gate.mu);
    EXPECT_EQ(gate.produced, i);  // chunk i arrived while chunk i+1 was still held back
  }
  gate.Release();
  ASSERT_FALSE(client.NextChunk(chunk));
  EXPECT_FALSE(chunk.has_value());
}

TEST_F(HttpStreamTest, ClientLeavingStopsAChattyProducer) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&]() -> HttpResponse::StreamProducer {
    return [&probe, token = probe.NewToken()](milliseconds) -> std::optional<std::string> {
      ++probe.calls;
      std::this_thread::sleep_for(milliseconds(20));
      return "tick\n";
    };
  });
  HttpServerOptions options;
  options.stream_max_wait = milliseconds(200);
  StartServer(options);

  TestClient client(server_->port());
  SendGet(client, "/block-ticks");
  ASSERT_FALSE(client.ReadStreamHead());
  std::optional<std::string> chunk;
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(client.NextChunk(chunk));
  EXPECT_EQ(chunk, "tick\n");
  client.Close();

  EXPECT_TRUE(Eventually([&] { return !probe.Alive(); }, milliseconds(2 * 200 + 500)))
      << "the producer was not released after the client left";
  int calls = probe.calls.load();
  std::this_thread::sleep_for(milliseconds(3 * 200));
  EXPECT_EQ(probe.calls.load(), calls);
}

TEST_F(HttpStreamTest, ClientLeavingStopsASilentProducer) {
  // Nothing is ever written, so only watching the connection can tell the client has gone.
  ProducerProbe& probe = probe_;
  handler_.set_factory([&] { return Silent(&probe); });
  HttpServerOptions options;
  options.stream_max_wait = milliseconds(200);
  StartServer(options);

  TestClient client(server_->port());
  SendGet(client, "/quiet");
  ASSERT_FALSE(client.ReadStreamHead());
  std::optional<std::string> chunk;
  ASSERT_FALSE(client.NextChunk(chunk));  // the body
  ASSERT_TRUE(Eventually([&] { return probe.calls.load() >= 2; }, milliseconds(2000)));
  client.Close();

  EXPECT_TRUE(Eventually([&] { return !probe.Alive(); }, milliseconds(2 * 200 + 500)))
      << "the producer was not released after the client left";
  int calls = probe.calls.load();
  std::this_thread::sleep_for(milliseconds(3 * 200));
  EXPECT_EQ(probe.calls.load(), calls);
}

TEST_F(HttpStreamTest, StopIsPromptWithStreamsOpen) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&] { return Silent(&probe); });
  StartServer();  // stream_max_wait 1 s, idle timeout 60 s

  std::vector<std::unique_ptr<TestClient>> clients;
  for (const char* target : {"/a", "/block-b"}) {
    clients.push_back(std::make_unique<TestClient>(server_->port()));
    SendGet(*clients.back(), target);
    ASSERT_FALSE(clients.back()->ReadStreamHead());
  }
  ASSERT_TRUE(Eventually([&] { return probe.in_flight.load() == 2; }, milliseconds(2000)));

  auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(probe.in_flight.load(), 0);  // no thread left inside a producer
  int calls = probe.calls.load();
  for (auto& client : clients) {
    std::optional<std::string> chunk;
    boost::beast::error_code ec;
    do {
      ec = client->NextChunk(chunk);
    } while (!ec && chunk);
    EXPECT_TRUE(ec) << "the stream should be cut, not ended cleanly";
  }
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(probe.calls.load(), calls);
}

TEST_F(HttpStreamTest, OtherConnectionsAreServedWhileStreamsAreOpen) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&] { return Silent(&probe); });
  HttpServerOptions options;
  options.io_threads = 1;  // a producer blocking the I/O thread would stall everything
  options.stream_max_wait = milliseconds(2000);
  StartServer(options);

  std::vector<std::unique_ptr<TestClient>> streams;
  for (const char* target : {"/s1", "/block-s2"}) {
    streams.push_back(std::make_unique<TestClient>(server_->port()));
    SendGet(*streams.back(), target);
    ASSERT_FALSE(streams.back()->ReadStreamHead());
  }
  ASSERT_TRUE(Eventually([&] { return probe.in_flight.load() == 2; }, milliseconds(2000)));

  TestClient client(server_->port());
  for (const char* target : {"/plain", "/block-plain", "/plain"}) {
    auto start = Clock::now();
    Response response;
    ASSERT_FALSE(client.Roundtrip(http::verb::get, target, "", response)) << target;
    EXPECT_EQ(response.result_int(), 200u);
    EXPECT_EQ(response.body(), "plain");
    EXPECT_TRUE(response.keep_alive());
    EXPECT_LT(Clock::now() - start, milliseconds(1000)) << target;
  }
  EXPECT_EQ(probe.in_flight.load(), 2);  // the streams are still open
}

TEST_F(HttpStreamTest, IdleTimeoutDoesNotCutAProducingStream) {
  constexpr int kChunks = 10;
  handler_.set_factory([]() -> HttpResponse::StreamProducer {
    return [i = 0](milliseconds) mutable -> std::optional<std::string> {
      if (i == kChunks) return std::nullopt;
      std::this_thread::sleep_for(milliseconds(250));
      return std::to_string(++i);
    };
  });
  HttpServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);  // the stream lasts 2.5 s
  StartServer(options);

  TestClient client(server_->port());
  SendGet(client, "/long");
  ASSERT_FALSE(client.ReadStreamHead());
  std::optional<std::string> chunk;
  ASSERT_FALSE(client.NextChunk(chunk));
  EXPECT_EQ(chunk, "hello\n");
  for (int i = 1; i <= kChunks; ++i) {
    ASSERT_FALSE(client.NextChunk(chunk)) << i;
    EXPECT_EQ(chunk, std::to_string(i));
  }
  ASSERT_FALSE(client.NextChunk(chunk));
  EXPECT_FALSE(chunk.has_value());
}

TEST_F(HttpStreamTest, ProducerExceptionCutsTheStream) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&]() -> HttpResponse::StreamProducer {
    return [&probe](milliseconds) -> std::optional<std::string> {
      if (++probe.calls == 1) return "one\n";
      throw std::runtime_error("producer failed");
    };
  });
  StartServer();

  TestClient client(server_->port());
  SendGet(client, "/throws");
  ASSERT_FALSE(client.ReadStreamHead());
  std::optional<std::string> chunk;
  ASSERT_FALSE(client.NextChunk(chunk));
  EXPECT_EQ(chunk, "hello\n");
  ASSERT_FALSE(client.NextChunk(chunk));
  EXPECT_EQ(chunk, "one\n");
  EXPECT_TRUE(client.NextChunk(chunk));  // closed without the last chunk
  EXPECT_EQ(probe.calls.load(), 2);
}

TEST_F(HttpStreamTest, HeadGetsTheStreamHeadOnly) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&] { return Events(5, &probe); });
  StartServer();

  TestClient client(server_->port());
  ASSERT_FALSE(client.WriteRaw("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string received;
  EXPECT_TRUE(testing::IsConnectionClosed(client.ReadUntilClosed(&received)));
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << received;
  EXPECT_EQ(received.find("\r\n\r\n"), received.size() - 4) << "no body expected: " << received;
  EXPECT_EQ(probe.calls.load(), 0);
}

TEST_F(HttpStreamTest, Http10StreamIsDelimitedByTheClose) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&] { return Events(2, &probe); });
  StartServer();

  TestClient client(server_->port());
  ASSERT_FALSE(client.WriteRaw("GET /events HTTP/1.0\r\n\r\n"));
  Response response;
  ASSERT_FALSE(client.Read(response));  // body read to EOF
  EXPECT_EQ(response.count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(response.count(http::field::content_length), 0u);
  EXPECT_EQ(response.body(), "hello\nevent 1\nevent 2\n");
}

TEST_F(HttpStreamTest, NoBodyStatusIgnoresTheProducer) {
  ProducerProbe& probe = probe_;
  handler_.set_factory([&] { return Events(5, &probe); });
  StartServer();

  TestClient client(server_->port());
  Response response;
  ASSERT_FALSE(client.Roundtrip(http::verb::get, "/status204", "", response));
  EXPECT_EQ(response.result_int(), 204u);
  EXPECT_TRUE(response.body().empty());
  EXPECT_TRUE(response.keep_alive());
  ASSERT_FALSE(client.Roundtrip(http::verb::get, "/plain", "", response));  // still usable
  EXPECT_EQ(response.body(), "plain");
  EXPECT_EQ(probe.calls.load(), 0);
}

}  // namespace
}  // namespace cognate::api

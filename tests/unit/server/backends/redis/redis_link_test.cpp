// redis_link against a scripted Redis on loopback, in the same io_context: what goes on the wire (hiredis'
// formatting), replies split anywhere reassembled by hiredis' reader and handed out in order, pub/sub
// messages to their own handler, and every way the link ends (Redis closes, nobody listens, our close).
#include "backends/redis/redis_link.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

using star::server::redis::redis_link;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct scripted_redis {
    net::io_context io;
    tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
    tcp::socket peer{io};
    bool accepted = false;

    scripted_redis() {
        acceptor.async_accept(peer, [this](boost::system::error_code ec) { accepted = !ec; });
    }
    int port() const { return acceptor.local_endpoint().port(); }
    // The link connects as the io_context runs: accepting must not block it.
    void accept() {
        run_until([this] { return accepted; });
    }
    std::string read(std::size_t n) {
        std::string got(n, '\0');
        net::read(peer, net::buffer(got));
        return got;
    }
    void write(std::string_view s) { net::write(peer, net::buffer(s)); }
    // Runs the link's handlers until `done` or a second passes.
    template <class Done> void run_until(Done done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io.restart();
            io.run_for(std::chrono::milliseconds(5));
        }
    }
};

std::string text(redisReply* r) { return r && r->str ? std::string(r->str, r->len) : "<none>"; }

}  // namespace

TEST_CASE("redis_link: commands formatted by hiredis, replies split anywhere, handed out in order") {
    scripted_redis redis;
    auto link = std::make_shared<redis_link>(redis.io.get_executor());
    std::optional<std::string> lost;
    link->open({"127.0.0.1", redis.port(), nullptr, ""}, [&](std::string why) { lost = why; });
    std::vector<std::string> replies;
    CHECK(link->command({"PING"}, [&](redisReply* r) { replies.push_back(text(r)); }));
    CHECK(link->command({"ECHO", "h\r\ni"}, [&](redisReply* r) { replies.push_back(text(r)); }));
    CHECK(link->awaiting() == 2);
    redis.accept();
    REQUIRE(redis.accepted);
    std::string expected = "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$4\r\nh\r\ni\r\n";
    std::string wire;
    redis.run_until([&] {
        if (redis.peer.available() > 0) wire += redis.read(redis.peer.available());
        return wire.size() >= expected.size();
    });
    CHECK(wire == expected);
    redis.write("+PO");
    redis.run_until([] { return false; });  // half a reply: nothing yet
    CHECK(replies.empty());
    redis.write("NG\r\n$4\r\nh\r\ni\r\n");
    redis.run_until([&] { return replies.size() == 2; });
    CHECK(replies == std::vector<std::string>{"PONG", "h\r\ni"});
    CHECK(link->awaiting() == 0);
    CHECK_FALSE(lost);
}

TEST_CASE("redis_link: pub/sub messages go to the subscription; Redis closing fails what waits, once") {
    scripted_redis redis;
    auto link = std::make_shared<redis_link>(redis.io.get_executor());
    int lost = 0;
    std::string why;
    link->open({"127.0.0.1", redis.port(), nullptr, ""}, [&](std::string w) {
        ++lost;
        why = w;
    });
    std::vector<std::string> messages;
    CHECK(link->subscribe({"a"},
                          [&](redisReply* r) { messages.push_back(text(r->element[0]) + ":" + text(r->element[2])); }));
    bool nulled = false;
    link->command({"PING"}, [&](redisReply* r) { nulled = r == nullptr; });
    redis.accept();
    redis.write("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n");
    redis.run_until([&] { return messages.size() == 2; });
    CHECK(messages == std::vector<std::string>{"subscribe:<none>", "message:hello"});
    std::string wire;  // read all it sent, so that closing is a FIN, not a reset
    redis.run_until([&] {
        if (redis.peer.available() > 0) wire += redis.read(redis.peer.available());
        return wire.size() >= 40;
    });
    CHECK(wire == "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n");
    redis.peer.close();
    redis.run_until([&] { return lost > 0; });
    CHECK(lost == 1);
    CHECK(why == "Redis closed the connection");
    CHECK(nulled);
    CHECK_FALSE(link->is_open());
    CHECK_FALSE(link->command({"PING"}, [](redisReply*) {}));
}

TEST_CASE("redis_link: nobody listening is a loss; our own close is not, and answers what waits with nothing") {
    net::io_context io;
    int port = 0;
    {
        tcp::acceptor closed{io, {net::ip::make_address("127.0.0.1"), 0}};
        port = closed.local_endpoint().port();
    }
    auto refused = std::make_shared<redis_link>(io.get_executor());
    std::string why;
    refused->open({"127.0.0.1", port, nullptr, ""}, [&](std::string w) { why = w; });
    io.run_for(std::chrono::milliseconds(500));
    CHECK_THAT(why, Catch::StartsWith("cannot connect"));

    scripted_redis redis;
    auto link = std::make_shared<redis_link>(redis.io.get_executor());
    bool lost = false, nulled = false;
    link->open({"127.0.0.1", redis.port(), nullptr, ""}, [&](std::string) { lost = true; });
    link->command({"PING"}, [&](redisReply* r) { nulled = r == nullptr; });
    link->close();
    link->close();
    redis.run_until([] { return false; });
    CHECK(nulled);
    CHECK_FALSE(lost);
}

#include "signalling/outbox.hpp"

#include "protocol/websocket.hpp"
#include "server/signalling_fakes.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace star::server;
using star::test::recording_link;

namespace {

struct outbox_fixture {
    boost::asio::io_context io;
    outbox out;
    std::shared_ptr<recording_link> a = std::make_shared<recording_link>(1, io.get_executor());
    std::shared_ptr<recording_link> b = std::make_shared<recording_link>(2, io.get_executor());

    void deliver() {
        outbox::deliver(out.take());
        io.restart();
        io.poll();
    }
};

// What the announcer does: a receiver's announcements laid out as WebSocket frames, in one buffer.
frame_ptr run_of(std::vector<std::string> const& packets) {
    std::string run;
    for (auto const& p : packets) star::protocol::websocket::append_text_frame(run, p);
    return make_frame(std::move(run));
}

}  // namespace

TEST_CASE_METHOD(outbox_fixture, "a run reaches its link as one delivery, in order with single frames") {
    out.send(a, make_frame("42[\"ws-handshake\",1]"));
    out.send_framed(a, run_of({"42[\"ws-peer\",\"x\"]", std::string(300, 'y'), "z"}), 3);
    out.send(b, make_frame("b only"));
    out.send(a, make_frame("last"));
    deliver();
    CHECK(a->frames == std::vector<std::string>{"42[\"ws-handshake\",1]", "42[\"ws-peer\",\"x\"]",
                                                std::string(300, 'y'), "z", "last"});
    CHECK(a->runs == 1);
    CHECK(b->frames == std::vector<std::string>{"b only"});
    CHECK(b->runs == 0);
}

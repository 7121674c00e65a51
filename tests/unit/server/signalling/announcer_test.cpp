#include "signalling/announcer.hpp"

#include "server/signalling_fakes.hpp"
#include "test_ids.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace star::server;
using star::test::recording_link;
namespace protocol = star::protocol;

namespace {

struct announcer_fixture {
    boost::asio::io_context io;
    config cfg;
    peer_table table;
    remote_peers remote{100'000, 100'000};
    outbox out;
    std::minstd_rand rng{42};
    int batches_scheduled = 0;
    announcer ann{cfg, table, remote, out, rng, [this] { ++batches_scheduled; }};
    std::vector<std::shared_ptr<recording_link>> links;

    announcer_fixture() { cfg.max_peers_per_announce = 5; }

    // A peer joins: it hears of up to K peers and waits in the batch.
    std::shared_ptr<recording_link> join(unsigned char seed, std::string const& host = "/ip4/127.0.0.1") {
        auto l = std::make_shared<recording_link>(links.size() + 1, io.get_executor());
        links.push_back(l);
        auto address = protocol::parse_star_address(star::test::star_addr(star::test::rsa_peer_id(seed), host)).address;
        ann.add_newcomer(table.insert(l, std::move(*address)));
        return l;
    }
    void learn_remote(unsigned char seed) {
        auto key = star::test::rsa_peer_id(seed);
        remote.upsert(key, "there", remote_peers::clock::now() + std::chrono::minutes(1));
        ann.add_remote_newcomer(key);
    }
    // What the hub does: a turn per chunk until the batch is empty. Returns the turns taken.
    int send_all_newcomers() {
        int turns = 1;
        while (ann.send_newcomers()) ++turns;
        return turns;
    }
    void deliver() {
        outbox::deliver(out.take());
        io.restart();
        io.poll();
    }
    void clear() {
        deliver();
        for (auto& l : links) l->take_shared();
    }
};

std::set<std::string> texts(std::vector<frame_ptr> const& frames) {
    std::set<std::string> out;
    for (auto& f : frames) out.insert(*f);
    return out;
}

std::string peer_frame(unsigned char seed, std::string const& host = "/ip4/127.0.0.1") {
    return R"(42["ws-peer",")" + star::test::star_addr(star::test::rsa_peer_id(seed), host) + "\"]";
}

}  // namespace

TEST_CASE_METHOD(announcer_fixture, "newcomers wait in one batch; each older peer hears of the later ones only") {
    auto a = join(1);
    auto b = join(2);
    auto c = join(3);
    CHECK(batches_scheduled == 1);
    CHECK(ann.waiting() == 3);
    clear();  // what each heard at its own join
    send_all_newcomers();
    deliver();
    CHECK(texts(a->take_shared()) == std::set<std::string>{peer_frame(2), peer_frame(3)});
    CHECK(texts(b->take_shared()) == std::set<std::string>{peer_frame(3)});
    CHECK(c->take_shared().empty());
    CHECK(ann.waiting() == 0);
    join(4);
    CHECK(batches_scheduled == 2);  // a new batch
}

TEST_CASE_METHOD(announcer_fixture, "remote newcomers take the same batch, frames and bound as local ones") {
    std::vector<std::shared_ptr<recording_link>> locals;
    for (unsigned char s = 1; s <= 12; ++s) locals.push_back(join(s));
    clear();
    send_all_newcomers();
    clear();
    for (unsigned char s = 100; s < 107; ++s) learn_remote(s);  // one presence chunk of 7
    CHECK(batches_scheduled == 2);
    deliver();
    for (auto& l : locals) CHECK(l->take_shared().empty());  // nothing at once: on the batch's timer
    // Chunks of K=5 then 2, one per turn (a short lock hold each), each to K local peers: at most
    // 2K receivers, one write per chunk, K*K frames per turn.
    auto built = ann.frames_built();
    CHECK(ann.send_newcomers());
    deliver();
    std::size_t first_turn = 0;
    for (auto& l : locals) first_turn += l->shared.size();
    CHECK(first_turn <= 25);
    CHECK(first_turn >= 5);
    CHECK_FALSE(ann.send_newcomers());
    deliver();
    std::size_t receivers = 0;
    std::set<std::string> seen;
    for (auto& l : locals) {
        auto got = l->take_shared();
        if (got.empty()) continue;
        ++receivers;
        CHECK(l->runs <= 2);  // one write per chunk
        CHECK(got.size() <= 7);
        for (auto& f : got) seen.insert(*f);
    }
    CHECK(receivers >= 5);
    CHECK(receivers <= 10);
    CHECK(seen.size() == 7);
    CHECK(ann.frames_built() - built == 7);  // each frame built once for every receiver with this prefix
}

TEST_CASE_METHOD(announcer_fixture, "a frame is shared per receiver prefix, built anew for another") {
    auto a = join(1);
    auto b = join(2);
    auto d = join(3, "/dns4/other.example");
    send_all_newcomers();
    clear();
    join(4);
    clear();
    auto built = ann.frames_built();
    send_all_newcomers();
    deliver();
    auto fa = a->take_shared(), fb = b->take_shared(), fd = d->take_shared();
    REQUIRE(fa.size() == 1);
    REQUIRE(fb.size() == 1);
    REQUIRE(fd.size() == 1);
    CHECK(*fa[0] == *fb[0]);
    CHECK(*fd[0] == peer_frame(4, "/dns4/other.example"));
    CHECK(ann.frames_built() - built <= 2);  // one per prefix class (a's was built at 4's join)
}

TEST_CASE_METHOD(announcer_fixture, "newcomers gone before their batch goes are not told") {
    auto a = join(1);
    clear();
    send_all_newcomers();
    join(2);
    learn_remote(50);
    learn_remote(51);
    table.erase(star::test::rsa_peer_id(2));
    remote.erase(star::test::rsa_peer_id(50), "there");
    clear();
    send_all_newcomers();
    deliver();
    CHECK(texts(a->take_shared()) == std::set<std::string>{peer_frame(51)});
}

TEST_CASE_METHOD(announcer_fixture, "the batch is bounded") {
    join(1);
    for (std::size_t i = 0; i < announcer::max_waiting + 10; ++i) ann.add_remote_newcomer("k" + std::to_string(i));
    CHECK(ann.waiting() == announcer::max_waiting);
    CHECK(batches_scheduled == 1);
}

TEST_CASE_METHOD(announcer_fixture, "refreshes rotate through local then remote peers, K at a time") {
    auto a = join(1);
    for (unsigned char s = 2; s <= 7; ++s) join(s);
    for (unsigned char s = 100; s < 104; ++s) learn_remote(s);
    clear();
    // 7 local (a among them) and 4 remote: two rounds of K=5 name each of the 10 others once.
    std::multiset<std::string> heard;
    for (int round = 0; round < 2; ++round) {
        ann.send_next_peers(*table.find(star::test::rsa_peer_id(1)));
        deliver();
        for (auto& f : a->take_shared()) heard.insert(*f);
    }
    CHECK(heard.size() == 10);
    CHECK(heard.count(peer_frame(1)) == 0);
    for (unsigned char s = 2; s <= 7; ++s) CHECK(heard.count(peer_frame(s)) == 1);
    for (unsigned char s = 100; s < 104; ++s) CHECK(heard.count(peer_frame(s)) == 1);
}

TEST_CASE_METHOD(announcer_fixture, "the remote frame cache stays within twice the remote peers there are") {
    auto a = join(1);
    peer& receiver = *table.find(star::test::rsa_peer_id(1));
    std::size_t largest = 0;
    // Remote peers come and go, 500 at a time: 5,000 ids seen, never more than 501 peers at once.
    for (int wave = 0; wave < 10; ++wave) {
        std::vector<std::string> keys;
        for (int i = 0; i < 500; ++i) keys.push_back("w" + std::to_string(wave) + "k" + std::to_string(i));
        for (auto& k : keys) remote.upsert(k, "there", remote_peers::clock::now() + std::chrono::minutes(1));
        for (int round = 0; round < 101; ++round) {
            ann.send_next_peers(receiver);
            largest = std::max(largest, ann.cached_remote_frames());
        }
        for (auto& k : keys) remote.erase(k);
        clear();
    }
    CHECK(largest <= 2 * 501 + 1024);
    CHECK(largest >= 501);  // and it did cache
}

TEST_CASE_METHOD(announcer_fixture, "a refresh reuses each local peer's frame and rebuilds it for another prefix") {
    auto a = join(1);
    auto b = join(2);
    auto d = join(3, "/dns4/other.example");
    join(4);
    send_all_newcomers();
    clear();
    peer& pa = *table.find(star::test::rsa_peer_id(1));
    peer& pb = *table.find(star::test::rsa_peer_id(2));
    peer& pd = *table.find(star::test::rsa_peer_id(3));
    CHECK(pa.prefix_class == pb.prefix_class);  // interned at join: one class per prefix
    CHECK(pa.prefix_class != pd.prefix_class);
    CHECK(ann.prefix_classes() == 2);
    // K=5 covers everyone: each refresh names the 3 others, from the frames held by their entries.
    auto built = ann.frames_built();
    ann.send_next_peers(pa);
    ann.send_next_peers(pb);
    deliver();
    CHECK(a->runs == 1);  // the three in one write
    auto fa = a->take_shared(), fb = b->take_shared();
    REQUIRE(fa.size() == 3);
    REQUIRE(fb.size() == 3);
    CHECK(texts(fa).count(peer_frame(4)) == 1);
    // Only a's own frame (never built: nobody in its class had been told of a) was built for b.
    CHECK(ann.frames_built() - built <= 1);
    // Another class asks: the frames are rebuilt for it, then for the first class again.
    built = ann.frames_built();
    ann.send_next_peers(pd);
    ann.send_next_peers(pa);
    deliver();
    // d hears of 1, 2 and 4 (three built for its class); a of 2, 3 and 4, of which 2 and 4 were
    // just rebuilt for d's class (3's frame for a's class was left alone: d is 3).
    CHECK(ann.frames_built() - built == 5);
    CHECK(texts(d->take_shared()) == std::set<std::string>{peer_frame(1, "/dns4/other.example"),
                                                           peer_frame(2, "/dns4/other.example"),
                                                           peer_frame(4, "/dns4/other.example")});
    CHECK(texts(a->take_shared()) == std::set<std::string>{peer_frame(2), peer_frame(3), peer_frame(4)});
}

TEST_CASE_METHOD(announcer_fixture, "prefix classes no peer holds any more are swept") {
    // 3,000 peers join, each under a prefix of its own, and leave: the classes do not pile up.
    for (int i = 0; i < 3000; ++i) {
        auto host = "/dns4/h" + std::to_string(i) + ".example";
        join(static_cast<unsigned char>(i % 250), host);
        table.erase(star::test::rsa_peer_id(static_cast<unsigned char>(i % 250)));
    }
    CHECK(ann.prefix_classes() <= 1024 + 1);
    CHECK(ann.prefix_classes() >= 1);
}

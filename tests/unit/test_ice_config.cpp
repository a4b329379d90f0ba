// ICE server URLs (RFC 7064, 7065) and their checks: what parses, what is refused and how it says so.
#include <gtest/gtest.h>

#include "cli/args.hpp"
#include "cli/meeting_flags.hpp"
#include "ice/ice_config.hpp"
#include "meeting/config_check.hpp"
#include "roomcast/error.hpp"
#include "roomcast/meeting.hpp"

using namespace roomcast;

namespace {

std::string why_not(const std::string& url) {
  std::string why;
  EXPECT_FALSE(ice::parse_server_url(url, why)) << url;
  return why;
}

std::string problem(const std::vector<IceServer>& servers, IceTransportPolicy policy = IceTransportPolicy::All) {
  auto p = meeting::ice_servers_problem(servers, policy, "HINT");
  return p ? p->field + " " + p->text : "";
}

IceServer turn(std::string url) { return IceServer{{std::move(url)}, "user", "secret-Zq9"}; }

}  // namespace

TEST(IceServerUrl, ParsesStunAndTurnWithDefaults) {
  std::string why;
  auto stun = ice::parse_server_url("stun:stun.example.org", why);
  ASSERT_TRUE(stun) << why;
  EXPECT_EQ(stun->scheme, ice::ServerScheme::Stun);
  EXPECT_EQ(stun->host, "stun.example.org");
  EXPECT_EQ(stun->port, 3478);

  auto udp = ice::parse_server_url("turn:10.0.0.1:3479", why);
  ASSERT_TRUE(udp) << why;
  EXPECT_EQ(udp->scheme, ice::ServerScheme::Turn);
  EXPECT_EQ(udp->host, "10.0.0.1");
  EXPECT_EQ(udp->port, 3479);
  EXPECT_EQ(udp->transport, ice::RelayTransport::Udp);

  auto tcp = ice::parse_server_url("turn:turn.example.org?transport=tcp", why);
  ASSERT_TRUE(tcp) << why;
  EXPECT_EQ(tcp->port, 3478);
  EXPECT_EQ(tcp->transport, ice::RelayTransport::Tcp);
  EXPECT_EQ(ice::parse_server_url("turn:h:80?transport=udp", why)->transport, ice::RelayTransport::Udp);

  auto v6 = ice::parse_server_url("turn:[2001:db8::1]:5349?transport=tcp", why);
  ASSERT_TRUE(v6) << why;
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 5349);
}

TEST(IceServerUrl, RefusesWithTheReason) {
  EXPECT_NE(why_not("http://x").find("is not a STUN or TURN URL"), std::string::npos);
  EXPECT_NE(why_not("stun:").find("names no host"), std::string::npos);
  EXPECT_NE(why_not("turn::3478").find("names no host"), std::string::npos);
  EXPECT_NE(why_not("stun://stun.example.org").find("'//'"), std::string::npos);
  EXPECT_NE(why_not("turn:h:0").find("port '0'"), std::string::npos);
  EXPECT_NE(why_not("turn:h:65536").find("port '65536'"), std::string::npos);
  EXPECT_NE(why_not("turn:h:34x").find("port '34x'"), std::string::npos);
  EXPECT_NE(why_not("turn:h:").find("port"), std::string::npos);
  EXPECT_NE(why_not("turn:h?transport=sctp").find("?transport=udp or ?transport=tcp"), std::string::npos);
  EXPECT_NE(why_not("stun:h?transport=tcp").find("takes no parameters"), std::string::npos);
  EXPECT_NE(why_not("turns:h:5349").find("TURN over TLS"), std::string::npos);
  EXPECT_NE(why_not("turn:[2001:db8::1").find("closing ']'"), std::string::npos);
  EXPECT_NE(why_not("turn:user:pw@h").find("user@"), std::string::npos);
  EXPECT_NE(why_not("turn:h/x").find("character"), std::string::npos);
}

TEST(IceServerConfig, ChecksCredentialsAndPolicy) {
  EXPECT_EQ(problem({}), "");
  EXPECT_EQ(problem({IceServer{{"stun:10.0.0.1"}, "", ""}, turn("turn:10.0.0.1")}), "");
  EXPECT_EQ(problem({turn("turn:10.0.0.1?transport=tcp")}, IceTransportPolicy::Relay), "");

  EXPECT_EQ(problem({IceServer{{"turn:10.0.0.1"}, "", ""}}),
            "ice_servers 'turn:10.0.0.1' is a TURN server without a username (TURN relays only for long-term "
            "credentials, RFC 8489 §9.2); HINT");
  EXPECT_NE(problem({IceServer{{"turn:10.0.0.1"}, "u", ""}}).find("without a credential"), std::string::npos);
  EXPECT_EQ(problem({IceServer{{}, "", ""}}), "ice_servers [0] has no URL; give stun:HOST[:PORT] or turn:HOST[:PORT]");
  EXPECT_EQ(problem({turn("turn:h:99999")}),
            "ice_servers 'turn:h:99999' has port '99999'; give a port from 1 to 65535 (3478 is the usual one), or none");
  EXPECT_EQ(problem({IceServer{{"stun:10.0.0.1"}, "", ""}}, IceTransportPolicy::Relay).rfind("ice_transport_policy is relay", 0), 0u);
  // A credential with a newline is refused without showing it; a URL with user:pw@ is not shown.
  const std::string bad = problem({IceServer{{"turn:h"}, "user", "secret-Zq9\n"}});
  EXPECT_NE(bad.find("credential holds a control character"), std::string::npos) << bad;
  EXPECT_EQ(bad.find("secret-Zq9"), std::string::npos) << bad;
  const std::string userinfo = problem({turn("turn:user:pw-Xy7@h")});
  EXPECT_EQ(userinfo.find("pw-Xy7"), std::string::npos) << userinfo;
}

TEST(IceServerConfig, InitMeetingRefusesNamingTheMember) {
  MeetingConfig c;
  c.mic_enabled = false;
  c.server_url = "ws://10.0.0.5:8188";
  c.ice_servers = {IceServer{{"turn:10.0.0.1"}, "", ""}};
  try {
    init_meeting(c);
    FAIL() << "accepted a TURN server without credentials";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Config);
    EXPECT_EQ(std::string(e.what()).rfind("MeetingConfig::ice_servers 'turn:10.0.0.1' is a TURN server without a "
                                          "username", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("IceServer::username"), std::string::npos) << e.what();
  }
  c.ice_servers = {};
  c.ice_transport_policy = IceTransportPolicy::Relay;
  EXPECT_THROW(init_meeting(c), Error);
}

TEST(IceServerConfig, ResolvesAddressesAndKeepsOneStunServer) {
  auto config = ice::resolve_ice_config(
      {IceServer{{"stun:127.0.0.1:3479", "stun:127.0.0.2"}, "", ""}, turn("turn:localhost?transport=tcp"),
       turn("turn:[::1]:3480")},
      IceTransportPolicy::All);
  ASSERT_TRUE(config.stun);
  EXPECT_EQ(config.stun->address, "127.0.0.1");
  EXPECT_EQ(config.stun->port, 3479);
  ASSERT_EQ(config.relays.size(), 2u);
  EXPECT_TRUE(config.relays[0].address == "127.0.0.1" || config.relays[0].address == "::1") << config.relays[0].address;
  EXPECT_EQ(config.relays[0].transport, ice::RelayTransport::Tcp);
  EXPECT_EQ(config.relays[0].credential, "secret-Zq9");
  EXPECT_EQ(config.relays[1].address, "::1");
  EXPECT_EQ(config.relays[1].port, 3480);
  EXPECT_FALSE(config.relay_only);
  // Relay only: no STUN server is needed (or contacted).
  auto relay = ice::resolve_ice_config({IceServer{{"stun:127.0.0.1"}, "", ""}, turn("turn:127.0.0.1")},
                                       IceTransportPolicy::Relay);
  EXPECT_TRUE(relay.relay_only);
  EXPECT_FALSE(relay.stun);
  EXPECT_EQ(relay.relays.size(), 1u);
}

TEST(IceFlags, CredentialsFromTheEnvironmentOrAFile) {
  auto env = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "ROOMCAST_ICE_USERNAME") return "env-user";
    if (std::string(name) == "ROOMCAST_ICE_CREDENTIAL") return "env-secret";
    return std::nullopt;
  };
  cli::Args args({"--ice-server", "stun:10.0.0.1", "--ice-server=turn:10.0.0.2?transport=tcp",
                  "--ice-transport-policy", "relay"},
                 cli::ice_options(), {});
  MeetingConfig c;
  cli::apply_ice_flags(args, c, env);
  ASSERT_EQ(c.ice_servers.size(), 2u);
  EXPECT_EQ(c.ice_servers[0].urls, std::vector<std::string>{"stun:10.0.0.1"});
  EXPECT_EQ(c.ice_servers[0].credential, "");  // STUN takes none
  EXPECT_EQ(c.ice_servers[1].username, "env-user");
  EXPECT_EQ(c.ice_servers[1].credential, "env-secret");
  EXPECT_EQ(c.ice_transport_policy, IceTransportPolicy::Relay);

  const std::string path = ::testing::TempDir() + "roomcast-ice-credential";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs("file-user\r\nfile-secret\n", f);
    std::fclose(f);
  }
  cli::Args with_file({"--ice-server", "turn:10.0.0.2", "--ice-credential-file", path}, cli::ice_options(), {});
  MeetingConfig d;
  cli::apply_ice_flags(with_file, d, env);
  std::remove(path.c_str());
  ASSERT_EQ(d.ice_servers.size(), 1u);
  EXPECT_EQ(d.ice_servers[0].username, "file-user");
  EXPECT_EQ(d.ice_servers[0].credential, "file-secret");

  cli::Args bad_policy({"--ice-transport-policy", "none"}, cli::ice_options(), {});
  MeetingConfig e;
  try {
    cli::apply_ice_flags(bad_policy, e, env);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()), "--ice-transport-policy is 'none'; use all (the default) or relay (TURN relays only)");
  }
  cli::Args missing({"--ice-credential-file", "/nonexistent/roomcast-ice"}, cli::ice_options(), {});
  EXPECT_THROW(cli::apply_ice_flags(missing, e, env), Error);
}

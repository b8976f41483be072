// WriteResponseHead: status line, the handler's fields, the server's defaults and framing.
#include "api/http_response_head.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace cognate::api {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string Head(ResponseHeadFields fields) {
  std::string out = "left over from the last response";
  WriteResponseHead(fields, out);
  return out;
}

TEST(ResponseHead, KeepAliveHttp11) {
  const Headers headers = {{"Content-Type", "application/json"}, {"x-amzn-RequestId", "r-1"}};
  EXPECT_EQ(Head({.status = 200,
                  .version = 11,
                  .headers = &headers,
                  .date = "Mon, 23 Nov 2026 21:00:00 GMT",
                  .content_length = 17,
                  .close = false}),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "x-amzn-RequestId: r-1\r\n"
            "Server: cognate\r\n"
            "Date: Mon, 23 Nov 2026 21:00:00 GMT\r\n"
            "Content-Length: 17\r\n"
            "\r\n");
}

TEST(ResponseHead, CloseHttp11AndKeepAliveHttp10) {
  EXPECT_EQ(Head({.status = 400, .version = 11, .date = "D", .content_length = 0, .close = true}),
            "HTTP/1.1 400 Bad Request\r\nServer: cognate\r\nDate: D\r\nContent-Length: "
            "0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Head({.status = 200, .version = 10, .date = "D", .content_length = 2, .close = false}),
            "HTTP/1.0 200 OK\r\nServer: cognate\r\nDate: D\r\nContent-Length: 2\r\nConnection: "
            "keep-alive\r\n\r\n");
  EXPECT_EQ(Head({.status = 200, .version = 10, .date = "D", .content_length = 2, .close = true}),
            "HTTP/1.0 200 OK\r\nServer: cognate\r\nDate: D\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHead, HandlerServerAndDateWinFramingFieldsAreTheServers) {
  const Headers headers = {{"server", "other"},
                           {"DATE", "then"},
                           {"Content-Length", "999"},
                           {"Connection", "close"},
                           {"Transfer-Encoding", "chunked"}};
  EXPECT_EQ(
      Head({.status = 201, .version = 11, .headers = &headers, .date = "now", .content_length = 3}),
      "HTTP/1.1 201 Created\r\nserver: other\r\nDATE: then\r\nContent-Length: 3\r\n\r\n");
}

TEST(ResponseHead, NoContentLengthWhereNoBodyIsAllowed) {
  for (unsigned status : {100u, 204u, 304u}) {
    const std::string head =
        Head({.status = status, .version = 11, .date = "D", .content_length = 5});
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  }
}

TEST(ResponseHead, LineBreaksInValuesAreDropped) {
  const Headers headers = {{"Access-Control-Allow-Origin", "https://a.example\r\nSet-Cookie: x=1"}};
  EXPECT_EQ(
      Head({.status = 200, .version = 11, .headers = &headers, .date = "D", .content_length = 0}),
      "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://a.exampleSet-Cookie: x=1\r\n"
      "Server: cognate\r\nDate: D\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHead, UnknownStatusHasAReason) {
  EXPECT_EQ(Head({.status = 799, .version = 11, .date = "D"}).substr(0, 22),
            "HTTP/1.1 799 Unknown\r\n");
}

}  // namespace
}  // namespace cognate::api

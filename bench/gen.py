#!/usr/bin/env python3
"""Benchmark corpora for wxmsg: realistic WeChat webhook payloads, deterministically.

Python 3 standard library only. The same --seed and --mb always give the same
bytes, so runs on different machines measure the same input.

Kinds (one record per line, sizes in decimal MB, the last record may run past):

  ndjson  one compact JSON payload per line, all four platforms: official-account
          and mini-program messages and events (PascalCase), WeCom kf sync_msg
          messages and whole sync_msg responses (snake_case, nested), developer-
          mode (App_Type) messages, encrypted envelopes, and about 2 % payloads
          with a finding (missing field, number written as a string, unknown code).
          One line in five escapes every non-ASCII character (\\uXXXX, emoji as
          surrogate pairs), as some senders do.
  xml     one <xml>...</xml> document per line: strings in CDATA, numbers bare,
          news replies with nested <item>s, encrypted envelopes, kf callbacks.
  log     an application log: timestamped lines, two in three carrying a JSON or
          XML payload after a prefix, the rest ordinary log noise (HTTP access
          lines, warnings with {...} fragments, <job> names, non-ASCII text).

Text mixes Chinese, English, emoji (ZWJ families, flags, VS16), WeChat emoticon
codes, quotes, backslashes, markup-like text, the odd newline and long messages.
MsgIds are mostly above 2^53, some up to 2^64 - 1.

  python3 bench/gen.py ndjson --mb 100 -o /tmp/wx.ndjson
  python3 bench/gen.py xml --mb 10 --seed 7 > docs.xml
"""

import argparse
import base64
import json
import random
import sys

CHAT_ZH = [
    "你好", "在吗？", "请问这个还有货吗", "订单号 20231216-8842 怎么还没发货", "谢谢亲",
    "好的，收到", "能开发票吗？", "退款多久到账", "地址写错了，麻烦帮我改一下", "有优惠券吗",
    "会员卡怎么激活", "小程序一直白屏", "付款失败了", "已经签收，谢谢", "太贵了吧",
    "尺码怎么选", "颜色发错了", "麻烦尽快处理", "今天可以送到吗", "人工客服",
    "北京市海淀区中关村大街1号", "上海市徐汇区漕溪北路88号", "深圳市福田区深南大道6008号",
]
CHAT_EN = ["hi", "hello?", "ok thanks", "refund pls", "order not arrived", "help", "1", "test", "price?"]
EMOJI = ["😀", "😂", "👍", "🙏", "❤️", "🎉", "🤔", "😭", "🔥", "✨", "📦", "👨‍👩‍👧‍👦", "🇨🇳", "👍🏻", "☕"]
EMOTICONS = ["/::)", "/::D", "/:rose", "[微笑]", "[捂脸]", "[OK]", "[抱拳]"]
TITLES = ["新品首发", "限时折扣", "会员日", "门店公告", "使用说明", "Weekly news", "常见问题解答"]
PLACES = ["腾讯滨海大厦", "广州塔", "外滩", "西湖断桥", "春熙路", "中关村"]
NAMES = ["张伟", "王芳", "李娜", "小美", "Kevin", "阿杰", "晴天☀️"]
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"


class Corpus:
    """Draws payloads from one seeded generator; ids come from stable pools."""

    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.now = 1_700_000_000 + self.rnd.randrange(5_000_000)
        self.ms = 0
        pick = self.chars
        self.accounts = ["gh_" + pick(HEX, 12) for _ in range(6)]
        self.users = ["o" + pick(URLSAFE, 27) for _ in range(3000)]
        self.kf_ids = ["wk" + pick(URLSAFE, 30) for _ in range(10)]
        self.customers = ["wm" + pick(URLSAFE, 30) for _ in range(3000)]
        self.staff = ["ZhangWei", "WangFang", "kf001", "kf002", "LiNa"]
        self.corps = ["ww" + pick(HEX, 16) for _ in range(3)]
        self.apps = ["wx" + pick(HEX, 16) for _ in range(4)]
        self.channels = [str(14000 + i) for i in range(20)]

    # ---- small pieces ---------------------------------------------------------
    def chars(self, alphabet, n):
        return "".join(self.rnd.choice(alphabet) for _ in range(n))

    def one(self, seq):
        return self.rnd.choice(seq)

    def chance(self, p):
        return self.rnd.random() < p

    def clock(self):
        self.now += self.one((0, 0, 1, 1, 2, 4))
        return self.now

    def msg_id(self):
        x = self.rnd.random()
        if x < 0.1:
            return self.rnd.randrange(10**15, 2**53)
        if x < 0.9:
            return self.rnd.randrange(2**53, 10**18)
        return self.rnd.randrange(10**18, 2**64)

    def say(self):
        parts = []
        for _ in range(self.one((1, 1, 2, 2, 3))):
            x = self.rnd.random()
            if x < 0.6:
                parts.append(self.one(CHAT_ZH))
            elif x < 0.75:
                parts.append(self.one(CHAT_EN))
            elif x < 0.92:
                parts.append(self.one(EMOJI) * self.one((1, 1, 2)))
            else:
                parts.append(self.one(EMOTICONS))
        text = self.one(("", " ", "，")).join(parts)
        y = self.rnd.random()
        if y < 0.03:
            text += "\n" + self.one(CHAT_ZH)
        elif y < 0.05:
            text = '他说 "' + text + '"'
        elif y < 0.06:
            text += " D:\\下载\\发票.pdf"
        elif y < 0.07:
            text += " <a href='x'>&amp;</a> 1<2"
        elif y < 0.08:
            text = self.one(CHAT_ZH) * self.rnd.randrange(10, 50)
        return text

    def media(self):
        return self.chars(URLSAFE, 64)

    def pic(self):
        return "http://mmbiz.qpic.cn/mmbiz_jpg/%s/0" % self.chars(ALNUM, 40)

    def link(self):
        return "https://mp.weixin.qq.com/s/" + self.chars(URLSAFE, 22)

    def cipher(self):
        return base64.b64encode(self.rnd.randbytes(self.rnd.randrange(160, 1200))).decode()

    # ---- official account and mini program (PascalCase) -----------------------
    def pascal(self, mini=False):
        d = {
            "ToUserName": self.one(self.accounts),
            "FromUserName": self.one(self.users),
            "CreateTime": self.clock(),
        }
        x = self.rnd.random()
        if x < 0.5:
            d.update(MsgType="text", Content=self.say(), MsgId=self.msg_id())
        elif x < 0.6:
            d.update(MsgType="image", PicUrl=self.pic(), MediaId=self.media(), MsgId=self.msg_id())
        elif mini and x < 0.7:
            d.update(MsgType="miniprogrampage", Title=self.one(TITLES), AppId=self.one(self.apps),
                     PagePath="pages/item/detail?id=%d" % self.rnd.randrange(10**6),
                     ThumbUrl=self.pic(), ThumbMediaId=self.media(), MsgId=self.msg_id())
        elif mini:
            d.update(MsgType="event", Event="user_enter_tempsession",
                     SessionFrom=self.one(("", "goods", '{"from":"banner"}')))
        elif x < 0.65:
            d.update(MsgType="voice", MediaId=self.media(), Format=self.one(("amr", "speex")),
                     MsgId=self.msg_id())
        elif x < 0.7:
            d.update(MsgType="location", Location_X=round(self.rnd.uniform(20, 45), 6),
                     Location_Y=round(self.rnd.uniform(90, 125), 6), Scale=self.rnd.randrange(5, 20),
                     Label=self.one(PLACES), MsgId=self.msg_id())
        elif x < 0.74:
            d.update(MsgType="link", Title=self.one(TITLES), Description=self.say(),
                     Url=self.link(), MsgId=self.msg_id())
        else:
            event = self.one(("subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION"))
            d.update(MsgType="event", Event=event)
            if event == "subscribe":
                d["EventKey"] = "qrscene_%d" % self.rnd.randrange(10**5) if self.chance(0.3) else ""
            elif event == "SCAN":
                d.update(EventKey=str(self.rnd.randrange(10**5)), Ticket=self.chars(URLSAFE, 96))
            elif event == "CLICK":
                d["EventKey"] = self.one(("MENU_HELP", "联系客服", "V1001_TODAY"))
            elif event == "VIEW":
                d["EventKey"] = "https://m.example.com/" + self.chars(ALNUM, 8)
            elif event == "LOCATION":
                d.update(Latitude=round(self.rnd.uniform(20, 45), 6),
                         Longitude=round(self.rnd.uniform(90, 125), 6),
                         Precision=round(self.rnd.uniform(10, 150), 6))
        return d

    # ---- WeCom customer service (snake_case, nested) ---------------------------
    def kf(self):
        open_kfid, customer = self.one(self.kf_ids), self.one(self.customers)
        d = {
            "msgid": self.chars(URLSAFE, 32) if self.chance(0.6) else str(self.msg_id()),
            "open_kfid": open_kfid,
            "external_userid": customer,
            "send_time": self.clock(),
            "origin": self.one((3, 3, 4, 5)),
        }
        if d["origin"] == 5:
            d["servicer_userid"] = self.one(self.staff)
        x = self.rnd.random()
        if x < 0.55:
            d["msgtype"] = "text"
            d["text"] = {"content": self.say()}
        elif x < 0.65:
            kind = self.one(("image", "voice", "file"))
            d["msgtype"] = kind
            d[kind] = {"media_id": self.media()}
        elif x < 0.69:
            d["msgtype"] = "location"
            d["location"] = {"latitude": round(self.rnd.uniform(20, 45), 6),
                             "longitude": round(self.rnd.uniform(90, 125), 6),
                             "name": self.one(PLACES), "address": self.one(CHAT_ZH[-3:])}
        elif x < 0.73:
            d["msgtype"] = "link"
            d["link"] = {"title": self.one(TITLES), "desc": self.say(), "url": self.link(),
                         "pic_url": self.pic()}
        elif x < 0.77:
            d["msgtype"] = "msgmenu"
            d["msgmenu"] = {"head_content": "请对本次服务评价",
                            "list": [{"type": "click", "click": {"id": "101", "content": "满意 👍"}},
                                     {"type": "click", "click": {"id": "102", "content": "不满意"}},
                                     {"type": "view", "view": {"url": self.link(), "content": "查看详情"}}],
                            "tail_content": "感谢您的支持"}
        elif x < 0.8:
            d["msgtype"] = "business_card"
            d["business_card"] = {"userid": self.one(self.staff)}
        else:
            kind = self.one(("enter_session", "enter_session", "msg_send_fail", "servicer_status_change",
                             "session_status_change"))
            ev = {"event_type": kind, "open_kfid": open_kfid}
            if kind == "enter_session":
                ev.update(external_userid=customer, scene=self.one(("", "123")),
                          scene_param=self.one(("", "abc", "%E4%BD%A0%E5%A5%BD")),
                          welcome_code=self.chars(URLSAFE, 43))
            elif kind == "msg_send_fail":
                ev.update(external_userid=customer, fail_msgid=self.chars(URLSAFE, 32),
                          fail_type=self.one((0, 1, 2, 4, 10)))
            elif kind == "servicer_status_change":
                ev.update(servicer_userid=self.one(self.staff), status=self.one((1, 2)))
            else:
                ev.update(external_userid=customer, change_type=self.one((1, 2, 3, 4)),
                          old_servicer_userid=self.one(self.staff),
                          new_servicer_userid=self.one(self.staff), msg_code=self.chars(URLSAFE, 43))
            d["msgtype"] = "event"
            d["event"] = ev
        return d

    def kf_response(self):
        return {"errcode": 0, "errmsg": "ok", "next_cursor": self.chars(URLSAFE, 20),
                "has_more": self.one((0, 1)),
                "msg_list": [self.kf() for _ in range(self.one((1, 2, 3, 6, 10)))]}

    # ---- developer mode (App_Type) --------------------------------------------
    def devmode(self):
        d = {"App_Type": self.one(("wechat_kefu", "yunh5")), "ChannelId": self.one(self.channels),
             "ChannelName": self.one(("官方客服", "咸鱼测试1", "xy007"))}
        if self.chance(0.7):
            d.update(MsgType="text", Content=self.say())
        else:
            d.update(MsgType="image", Content=self.pic())
        d.update(CreateTime=self.clock(), FromUserName=str(self.rnd.randrange(7 * 10**8, 8 * 10**8)),
                 StaffId=str(self.rnd.randrange(10**10, 2 * 10**10)), StaffName=self.one(NAMES),
                 MsgId=self.chars(HEX, 13), ToBusiness=self.chance(0.5),
                 ToUserName="h5-%d.%s" % (self.rnd.randrange(10**12), self.one(self.channels)))
        return d

    def spoil(self, d):
        """About 2 % of payloads carry a finding, as real traffic does."""
        if "MsgType" not in d or not self.chance(0.02):
            return d
        x = self.rnd.random()
        if x < 0.4:
            d.pop("FromUserName", None)
        elif x < 0.7:
            d["CreateTime"] = str(d["CreateTime"])
        else:
            d["CreateTime"] = d["CreateTime"] * 1000
        return d

    # ---- records ----------------------------------------------------------------
    def json_record(self):
        x = self.rnd.random()
        if x < 0.3:
            d = self.pascal()
        elif x < 0.42:
            d = self.pascal(mini=True)
        elif x < 0.78:
            d = self.kf()
        elif x < 0.85:
            d = self.kf_response()
        elif x < 0.93:
            d = self.devmode()
        elif x < 0.97:
            d = {"ToUserName": self.one(self.accounts), "Encrypt": self.cipher()}
        else:
            d = {"ToUserName": self.one(self.corps), "CreateTime": self.clock(), "MsgType": "event",
                 "Event": "kf_msg_or_event", "Token": self.chars(ALNUM, 40),
                 "OpenKfId": self.one(self.kf_ids)}
        return json.dumps(self.spoil(d), ensure_ascii=self.chance(0.2), separators=(",", ":"))

    @staticmethod
    def cdata(v):
        text = str(v).replace("\r", " ").replace("\n", " ")
        return "<![CDATA[%s]]>" % text.replace("]]>", "]]]]><![CDATA[>")

    def element(self, key, v):
        bare = isinstance(v, (int, float)) and not isinstance(v, bool)
        return "<%s>%s</%s>" % (key, v if bare else self.cdata(v), key)

    def xml_record(self):
        x = self.rnd.random()
        if x < 0.8:
            d = self.spoil(self.pascal(mini=self.chance(0.3)))
            return "<xml>" + "".join(self.element(k, v) for k, v in d.items()) + "</xml>"
        if x < 0.88:
            fields = [("ToUserName", self.one(self.corps)), ("CreateTime", self.clock()),
                      ("MsgType", "event"), ("Event", "kf_msg_or_event"),
                      ("Token", self.chars(ALNUM, 40)), ("OpenKfId", self.one(self.kf_ids))]
            return "<xml>" + "".join(self.element(k, v) for k, v in fields) + "</xml>"
        if x < 0.95:
            tail = self.element("AgentID", str(self.rnd.randrange(10**6, 10**6 + 99))) if self.chance(0.5) else ""
            return "<xml>%s%s%s</xml>" % (self.element("ToUserName", self.one(self.accounts)),
                                          self.element("Encrypt", self.cipher()), tail)
        items = "".join(
            "<item>%s%s%s%s</item>" % (self.element("Title", self.one(TITLES)),
                                       self.element("Description", self.say()),
                                       self.element("PicUrl", self.pic()), self.element("Url", self.link()))
            for _ in range(self.one((1, 2, 3))))
        head = [("ToUserName", self.one(self.users)), ("FromUserName", self.one(self.accounts)),
                ("CreateTime", self.clock()), ("MsgType", "news")]
        n = items.count("<item>")
        return ("<xml>" + "".join(self.element(k, v) for k, v in head)
                + "<ArticleCount>%d</ArticleCount><Articles>%s</Articles></xml>" % (n, items))

    def stamp(self):
        self.ms += self.rnd.randrange(300)
        self.now += self.ms // 1000
        self.ms %= 1000
        days, secs = divmod(self.now + 8 * 3600, 86400)
        y, m, d = civil(days)
        hms = "%02d:%02d:%02d.%03d" % (secs // 3600, secs // 60 % 60, secs % 60, self.ms)
        if self.chance(0.2):
            return "%04d-%02d-%02dT%s+08:00" % (y, m, d, hms)
        return "%04d-%02d-%02d %s" % (y, m, d, hms)

    def log_record(self):
        t = self.stamp()
        x = self.rnd.random()
        if x < 0.66:
            body = self.json_record() if self.chance(0.6) else self.xml_record()
            return "%s %s [%s] received payload: %s" % (
                t, self.one(("INFO", "INFO", "DEBUG")), self.one(("wx.callback", "kf.sync", "mp.push")), body)
        if x < 0.8:
            return '%s INFO [http] %s %s %d %.1fms' % (
                t, self.one(("GET", "POST")), self.one(("/wx/callback", "/healthz", "/api/orders?page=3")),
                self.one((200, 200, 204, 400, 502)), self.rnd.uniform(0.1, 250))
        if x < 0.88:
            return '%s WARN [db] slow query {"table":"orders","ms":%d}' % (t, self.rnd.randrange(100, 3000))
        if x < 0.94:
            return "%s DEBUG [scheduler] job <cleanup> done in %dms" % (t, self.rnd.randrange(1, 900))
        return "%s INFO [auth] 用户 %s 登录成功" % (t, self.one(NAMES))


def civil(days):
    """Proleptic Gregorian date of a day number (days since 1970-01-01)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=("ndjson", "xml", "log"))
    ap.add_argument("--mb", type=float, default=10.0, help="size in decimal MB (default 10)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("-o", "--output", help="file to write (default: stdout)")
    a = ap.parse_args()
    corpus = Corpus(a.seed)
    record = {"ndjson": corpus.json_record, "xml": corpus.xml_record, "log": corpus.log_record}[a.kind]
    goal = int(a.mb * 1_000_000)
    out = open(a.output, "wb") if a.output else sys.stdout.buffer
    size, chunk = 0, []
    while size < goal:
        line = (record() + "\n").encode()
        chunk.append(line)
        size += len(line)
        if len(chunk) >= 4096:
            out.write(b"".join(chunk))
            chunk = []
    out.write(b"".join(chunk))
    out.flush()
    if a.output:
        out.close()


if __name__ == "__main__":
    main()

"""What noise says: the words and patterns of noise headings and boilerplate lines (data only).

Matched by :mod:`extract.noise.lines` (headings, lines), :mod:`extract.noise.cards` (comments,
profile links) and :mod:`extract.noise.report` (profile links). Words, never a site's class names:
a new site's boilerplate is a new word here, not a new rule.
"""

from __future__ import annotations

import re

# Headings of recommendation / search-chip / comment blocks. Matched against the heading's whole
# text after punctuation and "更多 >" decorations are stripped.
STRONG_HEADINGS = {
    "相关推荐", "大家都在搜", "猜你喜欢", "相关阅读", "热门推荐", "热点问答", "相关问题", "延伸阅读",
    "推荐阅读", "大家还在看", "你可能还想了解", "您可能还想了解", "你可能感兴趣", "您可能感兴趣",
    "你可能也喜欢", "可能感兴趣", "相关文章", "相关问答", "热门问答", "热门问题", "热门文章",
    "热门资讯", "最新文章", "最新问答", "精彩推荐", "为你推荐", "为您推荐", "更多推荐", "相关搜索",
    "热门搜索", "大家都在看", "大家都在问", "看了又看", "其他问题", "其它问题", "相关链接", "相关新闻",
    "相关资讯", "推荐问答", "推荐文章", "猜你想问", "猜你想看", "相关专题", "更多问题", "更多问答",
    "更多相关", "精选推荐", "热搜", "热搜榜", "热门标签", "相关标签", "同类问题", "类似问题", "相似问题",
    "其他人还在问", "大家还在问", "大家还在搜", "网友还在问", "你可能还想问", "您可能还想问", "相关知识",
    "热门关注", "本周热门", "今日热点", "排行榜", "阅读排行", "点击排行", "热门排行", "最新发布",
    "最新更新", "相关视频", "推荐视频", "相关话题", "热门话题", "友情链接", "相关政策解读", "相关稿件",
    "网友评论", "全部评论", "热门评论", "最新评论", "发表评论", "精彩评论", "用户评论", "评论区",
    "我要评论", "网友留言", "留言板", "我要留言", "评论", "留言", "网友回复", "全部回复", "热门回复",
    "分享热榜", "热榜", "热门榜单", "人气榜", "目录", "本页目录", "文章目录", "内容目录",
    "版权声明", "反侵权公告", "侵权声明", "版权说明",
}  # fmt: skip
GENERIC_HEADING = re.compile(
    r"^(相关|热门|热点|推荐|猜你|大家|延伸|更多|其他|其它|最新|精彩|为你|为您|你可能|您可能|看了|网友|全部|"
    r"精选|同类|相似|类似|本周|今日|热搜|相关的|分享|人气|点击|阅读)"
    r"[\u4e00-\u9fff]{0,6}"
    r"(推荐|阅读|问题|问答|文章|搜索|在搜|在看|在问|还看|喜欢|感兴趣|了解|评论|资讯|新闻|链接|专题|话题|"
    r"回答|帖子|标签|留言|回复|排行|想问|关注|热点|热榜|榜单|排行榜|报道)$"
)
ANSWERS_HEADING = re.compile(r"^(全部|网友|最佳|精选|优质|专业|医生|专家|官方)?(回答|答案|解答)$")
COMMENT_HEADING = re.compile(r"^(共?\d+条?(评论|留言|回复)|(评论|留言|回复)(\d+条?)?)$")
# What a heading's key leaves out: counts, and decorations such as 更多 > or brackets.
COUNT = re.compile(r"[(（\[【]?\d+[条个人]?[)）\]】]?")
DECOR = re.compile(
    r"(查看更多|更多>*|换一换|换一批|more|MORE|More)$|[\s:：>»›<«‹\-—_|·•●◆■□▪【】\[\]()（）《》「」'\"“”+/※★☆▲△►▶▸◎]+"
)

# Machine metadata left in the page's text (ids joined by separators: "123|||456|||"), no words in it.
MACHINE_LINE = re.compile(r"^[\w.\-]{0,40}(\|{2,}|#{3,}|;{2,}|,{3,})[\w.\-|#;,]*$")

# Short blocks that are boilerplate by their words.
BREADCRUMB = re.compile(
    r"^(当前位置|您的位置|你的位置|您现在的位置|你现在的位置|现在位置|所在位置|位置)\s*[:：]"
)
CRUMB_TRAIL = re.compile(r"^首页\s*(>|&gt;|›|»|/|>>|＞)")
PRINT = re.compile(
    r"打印(本页|此页|本文|全文|文章)|关闭窗口|关闭本页|【打印】|【关闭】|\[打印\]|\[关闭\]|字号\s*[:：]|【字体|"
    r"字体\s*[:：]\s*[大中小]|(发送|推荐|转发)给(朋友|好友)"
)
SHARE = re.compile(
    r"^(分享到|分享至|分享|一键分享)\s*[:：]?|微信\s*微博|微博\s*微信|QQ空间|朋友圈\s*(微博|QQ)"
)
APP = re.compile(
    r"打开APP|下载APP|APP下载|立即打开|扫码下载|打开App|下载App|App下载|打开客户端|下载客户端", re.I
)
FOOTER = re.compile(
    r"ICP备|ICP证|版权所有|Copyright|©|主办单位|承办单位|网站标识码|技术支持\s*[:：]|公网安备|备案号|"
    r"首页\s*顶部|返回顶部|回到顶部|网站地图|关于我们|联系我们|免责声明|仅提供信息存储空间服务|"
    r"违法和不良信息举报|不良信息举报(电话|中心|邮箱)|举报(电话|邮箱)\s*[:：]|"
    r"未经.{0,10}(授权|许可|同意).{0,12}(转载|复制|使用|摘编)|(禁止|严禁|谢绝)(商业)?转载|转载请(注明|联系)|"
    r"^[(（]?(责任)?编辑[:：]\S{1,8}[)）]?\s*返回\S{1,8}[,，]\s*查看更多$",
    re.I,
)
META_LINE = re.compile(
    r"^(发布时间|发布日期|发表时间|更新时间|更新日期|来源|文章来源|信息来源|浏览次数|阅读量|阅读次数|点击数|点击量|"
    r"访问量|作者|责任编辑|编辑|审核|供稿|日期|时间)\s*[:：]"
    r"|^\d+\s*(人|次)(看过|浏览|阅读|觉得有用|赞同|关注|收藏)"
    r"|^(有帮助|没帮助|有用|没用|赞|踩|点赞|收藏|举报|纠错)\s*\d*\s*$"
    r"|^(上一篇|下一篇|上一条|下一条)\s*[:：]"
    r"|^[(（]\s*(责任)?编辑\s*[:：]\s*\S{1,10}\s*[)）]$"
    r"|^(关键字|关键词|标签|Tags|TAGS|Keywords)\s*[:：]"
    r"|^(Related|RELATED|Read more|Read More|READ MORE|See also|Also read|Also Read)\s*:"
)
PAGER = re.compile(r"^(上一页|下一页|首页|尾页|末页|共\d*页|第\d*页|[\d\s\[\]【】<>«»…．.|/]|&gt;|&lt;)+$")
FOLLOW = re.compile(r"二维码|扫码关注|扫一扫|关注公众号|关注我们|长按识别|识别图中|微信公众号|阅读原文")
# Labels that stand alone on a line: "最佳答案", "答", "已解决".
LABELS = {
    "最佳答案", "满意答案", "推荐答案", "优质回答", "精选回答", "专业回答", "官方回答", "最佳回答", "提问者采纳",
    "已采纳", "已解决", "待解决", "答", "问", "解答", "回答", "问题", "答案", "原创", "置顶", "精华", "热门",
    "正文", "全文", "展开全文", "收起", "展开", "查看全部", "点击展开", "阅读全文", "返回", "返回列表", "返回首页",
    "广告", "推广", "赞助", "点赞", "在看", "收藏", "转发", "评论", "举报", "分享",
    "楼主", "沙发", "板凳", "地板", "电梯直达", "只看该作者", "倒序浏览", "阅读模式", "复制链接",
}  # fmt: skip
# Datelines and counter lines: a date, or numbers, and nothing but these words around it.
DATE_ANY = re.compile(
    r"((19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?)"
    r"(\s*\d{1,2}:\d{2}(:\d{2})?)?"
)
BYLINE_WORDS = re.compile(
    r"(发布|回答|更新|编辑|提问|发表|修改|创建|评论|回复|采纳)(于|时间|日期)?|来源|作者|原创|已解决|已采纳|"
    r"浏览|阅读|点击|次|人|赞|[:：·•|/\-—()（）\[\]【】,，\s]"
)
BYLINE_KEY = re.compile(
    r"(发布|回答|更新|编辑|提问|发表|修改|创建|评论|回复|采纳)于|来源|作者|原创|已解决|已采纳|发布时间|更新时间"
)
COUNTER_WORDS = re.compile(
    r"\d+(\.\d+)?|[万千wWkK+]|个|次|人|条|回答|浏览|阅读|关注|点赞|评论|收藏|赞同|看过|播放|参与|已有|粉丝|获赞|反对|"
    r"有用|没用|有帮助|没帮助|赞|踩|分享|转发|举报|[:：·•|/\-—()（）\[\]【】,，\s]"
)
# Placeholders and share bars that stand alone.
LOADING = re.compile(r"^(加载中|正在加载|数据加载中|loading|请稍候|请开启JavaScript.*)[.。…]*$", re.I)
SHARE_ONLY = re.compile(
    r"^((分享到|分享至|分享|微信|朋友圈|微博|新浪微博|QQ空间|QQ|qq|豆瓣|复制链接|海报|知乎|钉钉|收藏|打印)\s*[:：|/·]?\s*){2,}$"
)
# Links to a person's or a tag's page: never a related page, never a card.
USER_PATH = re.compile(
    r"/(user|users|u|space|member|members|people|profile|home|uid|author|tag|tags)/", re.I
)
# A comment: a time stamp plus a reply / like / floor marker.
COMMENT_TIME = re.compile(
    r"\d{1,2}:\d{2}|(?<!\d)\d+\s*(秒|分钟|小时|天|周|个月|月|年)前|昨天|前天|刚刚|(19|20)\d{2}[-/.年]\d{1,2}"
)
COMMENT_REPLY = re.compile(r"回复|点赞|赞\s*\(?\d|举报|(?<!\d)\d+\s*楼|#\d+|沙发|板凳|楼主|网友|游客|匿名")

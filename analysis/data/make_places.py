"""Builds the place gazetteers ``places_cn.txt`` and ``places_foreign.txt`` (run by hand;
nothing runs it at import or in tests, the two text files are what the product reads).

    .venv/bin/python -m analysis.data.make_places

Sources, all already installed with the project's pinned dependencies:

- jieba 0.42.1's ``dict.txt``: words tagged ``ns`` (place name) that end in an administrative
  suffix (省, 市, 县, 区, 自治州, 自治县, 盟, 旗), and their short forms ("汶川县" → "汶川")
  where the short form is itself an ``ns`` word; names that begin with a foreign name are left
  out ("墨西哥市").
- Faker's ``zh_CN`` address provider: provinces, cities, districts (domestic) and countries
  (foreign, "中国"/"中华人民共和国" left out).
- The lists below, written for this project: province short names, the well-known counties and
  districts news names without a suffix, and foreign regions, cities and the short names the
  news uses for countries.
"""
from __future__ import annotations

from pathlib import Path

import jieba
from faker.providers.address.zh_CN import Provider as FakerZh

HERE = Path(__file__).resolve().parent


def _words(block: str) -> list[str]:
    """Names written as whitespace-separated blocks (readable in review, one per word)."""
    return block.split()


SUFFIXES = ("自治州", "自治县", "省", "市", "县", "区", "盟", "旗")

PROVINCES_SHORT = _words("""北京 天津 上海 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门""")

# Places domestic news names as an event's location without a suffix (sites of well-known
# emergencies included), and districts of the bureau's own city.
DOMESTIC_EXTRA = _words("""汶川 北川 映秀 玉树 舟曲 鲁甸 芦山 雅安 九寨沟 积石山 定日 泸定 漾濞 玛多 长宁 彝良 盈江 岷县
天水 昆明 威海 丹阳 天津港 滨海新区 响水 江门 深圳 东莞 佛山 顺德 南山 福田 宝安 龙岗 浦东 徐汇 静安 黄浦
闵行 朝阳 海淀 丰台 东城 西城 通州 大兴 顺义 昌平 房山 延庆 密云 怀柔 门头沟 雄安 涿州 郑州 新乡 周口
驻马店 信阳 十堰 恩施 宜昌 荆州 襄阳 黄冈 孝感 鄂州 咸宁 随州 武汉 洞庭湖 鄱阳湖 太湖 巢湖 梅州 梅大高速
大埔 三亚 海口 文昌 儋州 琼海 万宁 喀什 和田 阿克苏 伊犁 哈密 吐鲁番 克拉玛依 拉萨 日喀则 林芝 昌都
那曲 山南 阿里 西宁 海东 格尔木 德令哈 银川 石嘴山 吴忠 固原 中卫 兰州 嘉峪关 酒泉 张掖 武威 白银 定西
陇南 平凉 庆阳 临夏 甘南 延边 长白山 漳州 芗城 龙文 龙海 长泰 漳浦 云霄 东山 诏安 平和 南靖 华安
厦门 泉州 石狮 晋江 南安 惠安 安溪 福州 莆田 三明 南平 龙岩 宁德 平潭 金门 马祖 新罗 永定 上杭 武平
长汀 连城 漳平 阿拉善 巴彦淖尔 锡林郭勒 呼伦贝尔 鄂尔多斯 乌兰察布 齐齐哈尔 满洲里 二连浩特 博尔塔拉 巴音郭楞
克孜勒苏 阿勒泰 塔城 伊宁 阿图什 库尔勒 香格里拉 西双版纳 德宏 迪庆 阿坝 甘孜 凉山 果洛 海西 海北 黄南 阿拉尔
石河子 图木舒克 五家渠 北屯 可克达拉 铁门关 昆玉 胡杨河""")

FOREIGN_EXTRA = _words("""美国 日本 韩国 朝鲜 俄罗斯 乌克兰 英国 法国 德国 意大利 西班牙 葡萄牙 荷兰 比利时 瑞士 瑞典 挪威
芬兰 丹麦 波兰 希腊 土耳其 伊朗 伊拉克 叙利亚 以色列 巴勒斯坦 加沙 加沙地带 约旦河西岸 黎巴嫩 也门 沙特 阿联酋
埃及 利比亚 苏丹 南苏丹 尼日利亚 南非 肯尼亚 埃塞俄比亚 印度 巴基斯坦 阿富汗 孟加拉 孟加拉国 尼泊尔 缅甸
泰国 越南 老挝 柬埔寨 马来西亚 新加坡 印度尼西亚 印尼 菲律宾 澳大利亚 澳洲 新西兰 加拿大 墨西哥 巴西 阿根廷
智利 秘鲁 哥伦比亚 委内瑞拉 古巴 海地 刚果 刚果民主共和国 卢旺达 摩洛哥 阿尔及利亚 突尼斯 乌兹别克斯坦
哈萨克斯坦 蒙古国 斯里兰卡 马尔代夫 伊朗 白俄罗斯 塞尔维亚 科索沃 波黑 黑山 阿尔巴尼亚 摩尔多瓦 罗马尼亚
欧洲 非洲 中东 拉美 南美 北美 中美洲 东南亚 南亚 中亚 西亚 北非 东非 西非 萨赫勒 巴尔干 高加索 加勒比
夏威夷 加州 加利福尼亚 得克萨斯 得州 佛罗里达 纽约 新泽西 华盛顿 洛杉矶 旧金山 芝加哥 休斯敦 达拉斯 迈阿密
拉斯维加斯 亚特兰大 佐治亚州 费城 波士顿 西雅图 底特律 新奥尔良 阿拉斯加 俄亥俄 密歇根 伊利诺伊 宾夕法尼亚
伦敦 曼彻斯特 伯明翰 利物浦 爱丁堡 巴黎 马赛 里昂 尼斯 柏林 慕尼黑 汉堡 法兰克福 科隆 波恩 罗马 米兰
威尼斯 那不勒斯 马德里 巴塞罗那 里斯本 阿姆斯特丹 鹿特丹 布鲁塞尔 维也纳 日内瓦 苏黎世 斯德哥尔摩 奥斯陆
赫尔辛基 哥本哈根 华沙 布拉格 布达佩斯 雅典 伊斯坦布尔 安卡拉 德黑兰 巴格达 大马士革 阿勒颇 贝鲁特 耶路撒冷
特拉维夫 拉法 汗尤尼斯 安曼 利雅得 吉达 迪拜 阿布扎比 多哈 开罗 喀土穆 的黎波里 班加西 内罗毕 亚的斯亚贝巴
拉各斯 阿布贾 约翰内斯堡 开普敦 新德里 孟买 加尔各答 班加罗尔 伊斯兰堡 卡拉奇 拉合尔 白沙瓦 喀布尔 坎大哈 达卡
加德满都 科伦坡 仰光 内比都 曼德勒 曼谷 清迈 普吉 普吉岛 芭提雅 河内 胡志明市 岘港 金边 暹粒 吉隆坡 沙巴
雅加达 泗水 巴厘岛 苏门答腊 爪哇 苏拉威西 马尼拉 棉兰老 宿务 悉尼 墨尔本 布里斯班 珀斯 惠灵顿 奥克兰 基督城
渥太华 多伦多 温哥华 蒙特利尔 墨西哥城 圣保罗 里约热内卢 巴西利亚 布宜诺斯艾利斯 圣地亚哥 利马 波哥大 基多
加拉加斯 哈瓦那 太子港 东京 大阪 京都 横滨 名古屋 神户 福冈 福岛 北海道 冲绳 广岛 长崎 熊本 能登 首尔 釜山 仁川
大邱 济州岛 平壤 莫斯科 圣彼得堡 别尔哥罗德 库尔斯克 达吉斯坦 车臣 基辅 哈尔科夫 敖德萨 顿涅茨克 卢甘斯克
扎波罗热 赫尔松 马里乌波尔 顿巴斯 克里米亚 明斯克 阿拉木图 阿斯塔纳 塔什干 比什凯克 杜尚别 阿什哈巴德 乌兰巴托
第比利斯 埃里温 巴库 塞浦路斯 红海 亚丁湾 霍尔木兹海峡 波斯湾 地中海 咸兴 石川县 千叶县 爱知县 静冈县 新潟县
宫城县 岩手县 茨城县 神奈川县 长野县 兵库县 奈良县 鹿儿岛县 福岛县 阿尔卑斯山""")

# Words jieba tags as places that are directions, regions, seas or common words ("和平协议",
# "新建", "商城"), and suffixed names that are generic or abroad ("老城区", "阿尔卑斯山区").
GENERIC = set(_words("""和平 平原 东北 西北 西南 东南 华北 华东 华南 华中 中南 中原 江南 江北 亚洲 太阳 北平 高原 友好 大都
南海 东海 黄海 渤海 南极 北极 古城 河口 商城 江山 太平 甘泉 新建 东亚 城北 城南 城东 城西 兴国 龙门 新城 高明
太平洋 大西洋 印度洋 北冰洋 都市 天山 永安 山口 故城 深山 新河 阿里 长安 旧城区 老城区 新城区 都市区 湖景区 古城区 深山区 阿尔卑斯山区 咸兴
法尔斯 阿拉伯联 石川县 石川 千叶 爱知 静冈 新潟 宫城 岩手 茨城 群马 埼玉 神奈川 山梨 岐阜 滋贺 兵库 奈良 和歌山
鸟取 岛根 冈山 德岛 香川 爱媛 佐贺 大分 宫崎 鹿儿岛 秋田 山形 青森 富山 福井"""))

# Characters of transliterated names ("不列颠哥伦比亚省", "艾伯塔省", "毛伊县"): jieba tags foreign
# provinces, states and counties as places too. A jieba name with two of them is left out; the
# few domestic ones (阿拉善, 巴彦淖尔) that need it are in the lists above or Faker's.
_TRANSLITERATION = set("斯尔克特伊亚拉维伯塔兹德利莫纳蒂奥埃艾佛弗罗萨瓦哥格诺普里约夫科茨基卡")

# Foreign names inside domestic words or names: never a foreign place by themselves.
_NOT_FOREIGN = {"中国", "中华人民共和国", "安圭拉岛英", "维尔京群岛和圣罗克伊"}


def _jieba_places() -> tuple[set[str], set[str]]:
    """(ns words with an administrative suffix, all ns words) of jieba's dictionary."""
    suffixed, ns = set(), set()
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "ns":
                ns.add(parts[0])
                if len(parts[0]) >= 3 and parts[0].endswith(SUFFIXES) and not parts[0].endswith("地区"):
                    suffixed.add(parts[0])
    return suffixed, ns


def build() -> tuple[list[str], list[str]]:
    foreign = {c for c in FakerZh.countries if c not in _NOT_FOREIGN} | set(FOREIGN_EXTRA)

    def foreign_prefix(name: str) -> bool:
        return any(name.startswith(f) for f in foreign if len(f) >= 2)

    suffixed, ns = _jieba_places()
    domestic = {n for n in suffixed if not foreign_prefix(n)
                and sum(ch in _TRANSLITERATION for ch in n) < 2}
    for name in list(domestic):
        for suffix in SUFFIXES:
            short = name[:-len(suffix)] if name.endswith(suffix) else ""
            if len(short) >= 2 and short in ns and short not in foreign:
                domestic.add(short)
                break
    domestic |= set(FakerZh.provinces) | set(FakerZh.cities) | set(FakerZh.districts)
    domestic |= set(PROVINCES_SHORT) | set(DOMESTIC_EXTRA)
    domestic -= foreign | GENERIC
    domestic = {n for n in domestic if not n.endswith("军区") and not n.startswith(("各", "外省", "全", "本", "我"))}
    return sorted(domestic), sorted(foreign)


def main() -> None:
    domestic, foreign = build()
    head = "# generated by analysis/data/make_places.py; one name a line (provenance in README.md)\n"
    (HERE / "places_cn.txt").write_text(head + "\n".join(domestic) + "\n", encoding="utf-8")
    (HERE / "places_foreign.txt").write_text(head + "\n".join(foreign) + "\n", encoding="utf-8")
    print(f"domestic {len(domestic)}, foreign {len(foreign)}")


if __name__ == "__main__":
    main()

"""Reports in traditional characters: read in simplified ones.

Portals offer a 繁體 version of every page (a button converts it), and crawlers and mirrors store that version.
Every label, heading and keyword the checker knows is simplified, so a document written in traditional
characters is read with them replaced by their simplified forms (政府信息公開 → 政府信息公开). Only a document that
is plainly traditional is touched: the characters below are those that never occur in simplified text, and a
document is converted only when enough of them occur in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from documents.model import Block, Cell, Document, Paragraph, Table

# Pairs of a traditional character and its simplified form, for the vocabulary of annual reports and portal pages.
# Characters that simplified text also uses (著, 乾, 瞭, 於 as a surname …) are left out on purpose.
_PAIRS = (
    "開开報报務务資资條条項项處处規规總总計计數数請请結结轉转辦办復复議议訴诉訟讼費费發发網网關关門门號号廳厅縣县"
    "鎮镇鄉乡區区機机構构體体況况進进們们為为與与這这應应對对時时間间單单據据華华國国認认實实際际編编製制頒颁"
    "佈布範范圍围領领導导組组織织設设層层級级屆届會会閉闭係系統统沒没產产動动態态類类業业經经濟济財财預预決决"
    "審审監监檢检評评價价稅税勞劳衛卫醫医療疗藥药險险災灾環环綠绿電电話话傳传郵邮歷历義义樂乐藝艺術术練练習习"
    "學学優优質质問问題题難难還还變变歸归檔档庫库圖图書书證证冊册紀纪錄录載载聯联絡络願愿維维護护權权個个團团"
    "隊队員员職职責责崗岗執执罰罚強强許许備备註注詢询讀读閱阅覽览點点擊击寫写碼码標标準准則则細细專专現现當当"
    "從从舊旧歲岁億亿萬万兩两幾几種种樣样舉举參参觀观長长莊庄園园場场廠厂礦矿農农漁渔氣气溫温訊讯軟软頁页欄栏"
    "顯显廣广視视聽听頻频臺台灣湾並并採采後后裡里裏里週周麼么擔担擬拟擇择損损換换攝摄擴扩擁拥撥拨揚扬撫抚掃扫"
    "掛挂樓楼樹树橋桥歡欢殘残減减測测滿满漢汉潔洁滅灭燈灯爭争獎奖獨独獲获畫画畝亩異异盡尽盤盘眾众礎础確确禮礼"
    "稱称穩稳窮穷筆笔築筑簡简籌筹糧粮緊紧緒绪線线紹绍終终綜综緣缘縮缩績绩繳缴續续羅罗聖圣聞闻聲声肅肃臨临興兴"
    "補补裝装複复見见覺觉訂订討讨訓训託托記记訪访詞词試试詳详誤误說说調调談谈諸诸謀谋講讲謝谢識识譽誉讓让貝贝"
    "負负貢贡貨货貧贫貴贵買买貼贴賣卖賴赖購购贊赞趕赶跡迹踐践車车軍军輔辅輕轻輛辆輸输轄辖辭辞遠远適适遲迟選选"
    "遺遗邊边鄰邻釋释針针鋪铺錢钱錯错鍵键闆板陽阳陳陈階阶隱隐雖虽雙双雜杂離离靈灵須须頂顶順顺額额風风飛飞館馆"
    "馬马驗验鬥斗黨党齊齐龍龙壓压來来倉仓債债傷伤傾倾僅仅儲储兒儿內内淨净凍冻剛刚創创劃划劇剧勢势勵励協协啟启"
    "喪丧嚴严團团堅坚塊块墊垫壇坛壞坏壽寿夠够奪夺奮奋婦妇嬰婴孫孙寧宁寬宽將将尋寻屬属島岛嶺岭幣币幫帮幹干廢废"
    "彈弹徹彻徵征憲宪懷怀戰战戶户屬属擴扩總总繫系匯汇彙汇彥彦衝冲衛卫訂订詐诈誠诚該该詢询賬账貸贷費费資资"
    "節节範范築筑籤签糾纠紛纷納纳紙纸級级純纯紀纪約约絕绝給给統统絲丝綱纲網网綠绿緩缓緝缉縱纵總总績绩繼继"
    "續续纜缆罷罢羥羟習习翹翘聰聪肅肃脅胁脈脉腦脑膽胆臉脸艱艰莊庄華华萬万葉叶蔣蒋薦荐藍蓝蘭兰虛虚號号蝦虾"
    "製制褲裤襲袭規规親亲覽览觸触訊讯託托訴诉診诊詩诗誌志語语誣诬誕诞請请諮咨謂谓謊谎謠谣譯译護护讚赞豐丰"
    "貓猫賀贺賂赂賄贿資资賓宾賞赏賢贤賦赋質质賽赛贈赠趨趋踴踊軌轨較较輯辑轉转辯辩農农邁迈遞递遙遥遜逊郵邮鄭郑"
    "醜丑釀酿鈔钞鈴铃鉛铅銀银銅铜銘铭銷销鋼钢錦锦鍋锅鍛锻鎖锁鏡镜鐘钟鐵铁鑄铸鑒鉴閃闪閒闲閣阁闊阔闡阐隨随"
    "險险隸隶雞鸡離离霧雾靜静響响頃顷頌颂頗颇頭头頸颈頻频顆颗顏颜願愿類类顧顾飯饭飲饮飽饱養养餘余駐驻騎骑"
    "騰腾驅驱驚惊髮发鬧闹魚鱼鳥鸟鹽盐麥麦黃黄齡龄"
)
_TABLE = str.maketrans(dict(zip(_PAIRS[0::2], _PAIRS[1::2], strict=True)))
_TRADITIONAL = frozenset(_PAIRS[0::2])
_MIN_TRADITIONAL = 12  # characters; a simplified text has none of them
_MIN_SHARE = 0.02  # of the Chinese characters


_TRADITIONAL_CHAR = re.compile("[" + "".join(sorted(_TRADITIONAL)) + "]")
_CHINESE = re.compile(r"[\u3400-\u9fff]")


def is_traditional(text: str) -> bool:
    """Whether ``text`` is written in traditional characters."""
    if _TRADITIONAL_CHAR.search(text) is None:  # the common case, decided in one pass in C
        return False
    count = len(_TRADITIONAL_CHAR.findall(text))
    if count < _MIN_TRADITIONAL:
        return False
    return count >= _MIN_SHARE * max(len(_CHINESE.findall(text)), 1)


def to_simplified(text: str) -> str:
    """``text`` with the traditional characters above replaced by their simplified forms."""
    return text.translate(_TABLE)


def _block(block: Block) -> Block:
    if isinstance(block, Paragraph):
        return replace(block, text=to_simplified(block.text))
    rows = tuple(tuple(_cell(cell) for cell in row) for row in block.rows)
    return Table(rows=rows, source=block.source, flat=block.flat, blanks=block.blanks)


def _cell(cell: Cell) -> Cell:
    return replace(cell, text=to_simplified(cell.text))


def simplified(document: Document) -> Document:
    """The document in simplified characters when it is written in traditional ones; otherwise itself."""
    text = "".join(block.text if isinstance(block, Paragraph) else "".join(block.texts()) for block in document.blocks)
    if not is_traditional(text):
        return document
    meta: Mapping[str, str] = {key: to_simplified(value) for key, value in document.meta.items()}
    return replace(document, blocks=tuple(_block(block) for block in document.blocks), meta=meta)

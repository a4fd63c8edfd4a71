//! The built-in plan: Xixing Subdistrict's 2021 livelihood plan with its January–June
//! progress, structured in the model, in Chinese as written.
//!
//! Every entity is created through [`Replica::apply`], so the seed passes the same
//! validation as any edit. Ids, stamps and the device are fixed, so every build of the app
//! and of the server starts from byte-identical documents.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use crate::doc::Doc;
use crate::edit::{Edit, Replica};
use crate::hlc::Clock;
use crate::model::{DateSpec, Precision, Record, RecordStatus};

/// The built-in plan's id.
pub const PLAN_ID: &str = "xixing-2021";
/// The device that wrote the built-in plan.
pub const SEED_DEVICE: &str = "seed";
/// The built-in plan's title.
pub const PLAN_TITLE: &str = "西兴街道2021年民生工程计划";
/// Who wrote the built-in plan and its January–June records.
pub const SEED_AUTHOR: &str = "西兴街道";

/// 2021-01-01T00:00:00+08:00 in Unix milliseconds: when the plan's fields were written.
const PLAN_WRITTEN_MS: u64 = 1_609_430_400_000;

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, d).expect("a valid 2021 date")
}

fn month_end(m: u32, text: &str) -> DateSpec {
    DateSpec::month_end(2021, m, text)
}

/// Unix milliseconds of noon (+08:00) on a 2021 date: when a seed record was written.
fn noon_ms(d: NaiveDate) -> u64 {
    let t = d.and_hms_opt(4, 0, 0).expect("04:00 UTC is a valid time");
    t.and_utc().timestamp_millis() as u64
}

struct Builder {
    replica: Replica,
}

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("seed fields are written as JSON objects"),
    }
}

impl Builder {
    fn set(&mut self, id: &str, v: Value) -> String {
        let edit = Edit::Set {
            entity: id.to_owned(),
            fields: fields(v),
        };
        if let Err(e) = self.replica.apply(&edit, SEED_AUTHOR, PLAN_WRITTEN_MS) {
            panic!("the built-in plan is valid, but {id}: {e}");
        }
        id.to_owned()
    }

    fn category(&mut self, n: u32, name: &str, numbered: bool) -> String {
        self.set(
            &format!("cat-{n}"),
            json!({"name": name, "order": n, "numbered": numbered}),
        )
    }

    fn item(
        &mut self,
        cat: &str,
        n: u32,
        content: &str,
        departments: &[&str],
        deadline: Option<DateSpec>,
    ) -> String {
        self.item_in_cell(cat, n, content, departments, deadline, false)
    }

    /// An item whose 责任科室 cell is one with the item above it (`shared`), as the
    /// seed merges the department cell over 1.1–1.5, 2.1–2.3 and 3.1–3.3.
    fn item_in_cell(
        &mut self,
        cat: &str,
        n: u32,
        content: &str,
        departments: &[&str],
        deadline: Option<DateSpec>,
        shared: bool,
    ) -> String {
        let id = format!("item-{}-{n}", &cat[4..]);
        let mut fields = json!({"category": cat, "order": n, "content": content,
                   "departments": departments, "deadline": deadline});
        if shared {
            fields["departments_shared"] = json!(true);
        }
        self.set(&id, fields)
    }

    fn target(
        &mut self,
        item: &str,
        n: u32,
        name: &str,
        quantity: f64,
        unit: &str,
        text: &str,
    ) -> String {
        let id = format!("tgt-{}-{n}", &item[5..]);
        self.set(
            &id,
            json!({"item": item, "order": n, "name": name, "quantity": quantity,
                   "unit": unit, "text": text}),
        )
    }

    fn stage(&mut self, target: &str, n: u32, name: &str, completes: bool) -> String {
        let id = format!("stg-{}-{n}", &target[4..]);
        self.set(
            &id,
            json!({"target": target, "order": n, "name": name, "completes": completes}),
        )
    }

    fn milestone(&mut self, item: &str, n: u32, text: &str, due: DateSpec) -> String {
        let id = format!("ms-{}-{n}", &item[5..]);
        self.set(
            &id,
            json!({"item": item, "order": n, "text": text, "due": due}),
        )
    }

    fn site(&mut self, key: &str, name: &str, aliases: &[&str]) -> String {
        self.set(
            &format!("site-{key}"),
            json!({"name": name, "aliases": aliases}),
        )
    }

    fn item_site(&mut self, item: &str, site: &str, n: u32, deadline: Option<DateSpec>) -> String {
        let id = format!("loc-{}-{}", &item[5..], &site[5..]);
        self.set(
            &id,
            json!({"item": item, "site": site, "order": n, "deadline": deadline}),
        )
    }

    fn package(
        &mut self,
        item: &str,
        site: &str,
        n: u32,
        label: &str,
        name: &str,
        status_only: bool,
    ) -> String {
        let id = format!("wp-{}-{}-{n}", &item[5..], &site[5..]);
        let measure = if status_only { "status" } else { "percent" };
        self.set(
            &id,
            json!({"item": item, "site": site, "order": n, "label": label,
                   "name": name, "measure": measure}),
        )
    }

    fn record(&mut self, on: NaiveDate, item: &str, f: impl FnOnce(&mut Record)) {
        let mut r = Record::new(on, SEED_AUTHOR, item);
        f(&mut r);
        let edit = Edit::AddRecord { record: r };
        if let Err(e) = self.replica.apply(&edit, SEED_AUTHOR, noon_ms(on)) {
            panic!("the built-in records are valid, but one of {item}'s is not: {e}");
        }
    }
}

/// A record's fields, set by the closure passed to [`Builder::record`].
fn note(r: &mut Record, status: Option<RecordStatus>, text: &str) {
    r.status = status;
    r.note = text.into();
}

/// The built-in plan as a document.
pub fn xixing_2021() -> Doc {
    use RecordStatus::{Done, InProgress, NotStarted};
    let mut b = Builder {
        replica: Replica::new(Doc::new(PLAN_ID), SEED_DEVICE, Clock::default()),
    };
    let jun30 = date(6, 30);
    let jun15 = date(6, 15);

    b.set(
        "plan",
        json!({
            "title": PLAN_TITLE,
            "organisation": "西兴街道",
            "year": 2021,
            "time_zone": "Asia/Shanghai",
            "utc_offset_minutes": 480,
            "start": "2021-01-01",
            "end": "2021-12-31",
            "periods": [{"label": "1-6月", "start": "2021-01-01", "end": "2021-06-30"}],
        }),
    );

    // Sites that recur across items.
    let yingchun = b.site("yingchun", "迎春区块", &[]);
    let binfen = b.site("binfen", "缤纷区块", &[]);
    let binfen_xiaoqu = b.site("binfen-xiaoqu", "缤纷小区", &[]);
    let binfen_xiyuan = b.site("binfen-xiyuan", "缤纷西苑", &[]);
    let hepan = b.site("hepan", "河畔花园", &[]);
    let xinzhou = b.site("xinzhou", "新州花苑西区", &["新州"]);
    let guanhe = b.site("guanhe", "官河东方花城", &["官河"]);
    let binfen_beiyuan = b.site("binfen-beiyuan", "缤纷北苑", &[]);
    let xiangqifang = b.site("xiangqifang", "襄七房社区", &["襄七房"]);
    let baihe = b.site("baihe", "白鹤苑", &[]);
    let binkang = b.site("binkang", "滨康小区", &[]);
    let xiangyun = b.site("xiangyun", "湘云雅苑", &[]);
    let yingchun_nan = b.site("yingchun-nan", "迎春南苑", &[]);
    let yingchun_bei = b.site("yingchun-bei", "迎春北苑", &[]);
    let binfen_dongyuan = b.site("binfen-dongyuan", "缤纷东苑", &[]);
    let binkang_2 = b.site("binkang-2", "滨康二苑", &[]);
    let mahu = b.site("mahu", "马湖社区", &[]);
    let xietong = b.site("xietong", "协同社区", &[]);
    let wenxin = b.site("wenxin", "温馨社区", &[]);
    let yizhan = b.site("yizhan", "沿街沿湖党群服务驿站", &["沿街沿湖党群驿站"]);

    // 1 推进“美丽西兴”建设
    let depts1 = ["公共管理办", "各社区"];
    let c1 = b.category(1, "推进“美丽西兴”建设,优化街区环境", true);
    let i = b.item(
        &c1,
        1,
        "提升城市综合环境秩序,打造街容“示范一条街”,计划11月底前完成;",
        &depts1,
        Some(month_end(11, "计划11月底前完成")),
    );
    b.target(&i, 1, "街容示范街", 1.0, "条", "打造街容“示范一条街”");
    b.record(jun30, &i, |r| note(r, Some(Done), "已完成。"));

    let i = b.item_in_cell(
        &c1,
        2,
        "提升城市道路及两侧环境,整治道路及两侧店招店牌50家,计划7月底前完成;",
        &depts1,
        Some(month_end(7, "计划7月底前完成")),
        true,
    );
    b.target(
        &i,
        1,
        "整治店招店牌",
        50.0,
        "家",
        "整治道路及两侧店招店牌50家",
    );
    b.record(jun30, &i, |r| note(r, Some(Done), "已完成。"));

    let i = b.item_in_cell(
        &c1,
        3,
        "提升住宅小区环境秩序,提升改造公厕3处、新建(改造)安置小区垃圾集置房2处,计划8月底前完成;",
        &depts1,
        Some(month_end(8, "计划8月底前完成")),
        true,
    );
    let toilets = b.target(&i, 1, "提升改造公厕", 3.0, "处", "提升改造公厕3处");
    let t_started = b.stage(&toilets, 1, "开工建设", false);
    let t_done = b.stage(&toilets, 2, "完成", true);
    let garbage = b.target(
        &i,
        2,
        "新建(改造)安置小区垃圾集置房",
        2.0,
        "处",
        "新建(改造)安置小区垃圾集置房2处",
    );
    b.item_site(&i, &yingchun, 1, None);
    b.item_site(&i, &binfen, 2, None);
    b.record(jun30, &i, |r| {
        note(
            r,
            Some(InProgress),
            "公厕完成1座,开工建设2座;迎春区块垃圾集置点已经完成工程量的90%,缤纷区块完成工程量的70%。",
        )
    });
    b.record(jun30, &i, |r| {
        r.target = Some(toilets.clone());
        r.stage = Some(t_done.clone());
        r.figure = Some(1.0);
        r.note = "公厕完成1座".into();
    });
    b.record(jun30, &i, |r| {
        r.target = Some(toilets.clone());
        r.stage = Some(t_started.clone());
        r.figure = Some(2.0);
        r.note = "开工建设2座".into();
    });
    b.record(jun30, &i, |r| {
        r.target = Some(garbage.clone());
        r.site = Some(yingchun.clone());
        r.percent = Some(90.0);
        r.note = "迎春区块垃圾集置点已经完成工程量的90%".into();
    });
    b.record(jun30, &i, |r| {
        r.target = Some(garbage.clone());
        r.site = Some(binfen.clone());
        r.percent = Some(70.0);
        r.note = "缤纷区块完成工程量的70%".into();
    });

    let i = b.item_in_cell(
        &c1,
        4,
        "提升公路铁路两侧环境,推动浙赣铁路沿线劳模工匠休闲绿地改造提升工程,计划9月底前完成;",
        &depts1,
        Some(month_end(9, "计划9月底前完成")),
        true,
    );
    b.record(jun30, &i, |r| {
        note(r, Some(InProgress), "已经完成设计和工程量预算编制。")
    });

    let i = b.item_in_cell(
        &c1,
        5,
        "提升市容绿化环境,对老街区域石板路面不平整问题进行整修,完成公共区域市政绿化设施维护1000处,计划11月底前完成。",
        &depts1,
        Some(month_end(11, "计划11月底前完成")),
        true,
    );
    b.target(
        &i,
        1,
        "公共区域市政绿化设施维护",
        1000.0,
        "处",
        "完成公共区域市政绿化设施维护1000处",
    );
    b.record(jun30, &i, |r| note(r, Some(Done), "已完成。"));

    // 2 推进“亚运西兴”建设
    let depts2 = ["公共服务办", "各社区"];
    let c2 = b.category(2, "推进“亚运西兴”建设,营造运动活力氛围", true);
    let i = b.item(
        &c2,
        1,
        "组建并完善太极、排舞、工间操等群众文体队伍,搭建全民健身“迎亚运”等群众文体活动平台,每月常态化开展群众文化体育活动不少于2场,并依托“送戏进社区”、“文艺大课堂”、西兴成校等载体持续丰富群众文体活动,计划12月底前完成;",
        &depts2,
        Some(month_end(12, "计划12月底前完成")),
    );
    let activities = b.target(
        &i,
        1,
        "群众文化体育活动",
        2.0,
        "场",
        "每月常态化开展群众文化体育活动不少于2场",
    );
    b.set(
        &activities,
        json!({"recurring": {"per_month": 2.0, "from": "2021-01-01", "until": "2021-12-31"},
               "deadline": month_end(12, "计划12月底前完成")}),
    );
    b.record(jun30, &i, |r| {
        note(
            r,
            Some(InProgress),
            "每个社区已组建排舞队伍,太极和工间操队伍。结合街道全民运动会、送戏进社区等,目前已举行群众文化活动62场。",
        )
    });
    b.record(jun30, &i, |r| {
        r.target = Some(activities.clone());
        r.figure = Some(62.0);
        r.note = "目前已举行群众文化活动62场".into();
    });

    let i = b.item_in_cell(
        &c2,
        2,
        "围绕“迎亚运”主题举行西兴街道“全民运动会”,计划于4月启动运动会比赛项目,并结合8月“全民健身日”举办迎亚运全民运动队伍展示活动,10月底前完成全部赛事项目;",
        &depts2,
        Some(month_end(10, "10月底前完成全部赛事项目")),
        true,
    );
    let start = b.milestone(&i, 1, "计划于4月启动运动会比赛项目", month_end(4, "4月"));
    b.milestone(
        &i,
        2,
        "结合8月“全民健身日”举办迎亚运全民运动队伍展示活动",
        month_end(8, "8月"),
    );
    b.milestone(
        &i,
        3,
        "9月中下旬,举办西兴街道全民运动会开幕式",
        DateSpec::day(date(9, 30), "9月中下旬", Precision::PartOfMonth),
    );
    let all_events = b.milestone(&i, 4, "10月底前完成全部赛事项目", month_end(10, "10月底前"));
    b.set(
        &all_events,
        json!({"revised": DateSpec::day(date(10, 31), "10月中下旬,举行运动会闭幕式", Precision::PartOfMonth)}),
    );
    b.record(jun30, &i, |r| {
        note(
            r,
            Some(InProgress),
            "5月9日,22日已分别举行了全民运动会羽毛球、乒乓球比赛,6月因面上活动管控,中高考等原因运动会计划项目相应推后;8月8日全民健身日,举办工间操、排舞、太极拳等全民健身队伍集中展示活动;9月中下旬,举办西兴街道全民运动会开幕式;10月中下旬,举行运动会闭幕式。",
        )
    });
    b.record(jun30, &i, |r| {
        r.milestone = Some(start.clone());
        note(
            r,
            Some(Done),
            "5月9日,22日已分别举行了全民运动会羽毛球、乒乓球比赛",
        );
    });

    let i = b.item_in_cell(
        &c2,
        3,
        "计划在星民、七甲闸、西陵、官河、新州等新建6个群众身边的体育健身苑点,3月底前完成缤纷小区、缤纷西苑和河畔花园3处新建体育健身苑点,5月底前完成新州花苑西区、官河东方花城新建体育健身苑点,9月底前完成缤纷北苑新建体育健身苑点;",
        &depts2,
        Some(month_end(9, "9月底前完成缤纷北苑新建体育健身苑点")),
        true,
    );
    b.target(
        &i,
        1,
        "新建体育健身苑点",
        6.0,
        "个",
        "新建6个群众身边的体育健身苑点",
    );
    let march = month_end(3, "3月底前");
    let may = month_end(5, "5月底前");
    let sept = month_end(9, "9月底前");
    b.item_site(&i, &binfen_xiaoqu, 1, Some(march.clone()));
    b.item_site(&i, &binfen_xiyuan, 2, Some(march.clone()));
    b.item_site(&i, &hepan, 3, Some(march));
    b.item_site(&i, &xinzhou, 4, Some(may.clone()));
    b.item_site(&i, &guanhe, 5, Some(may));
    b.item_site(&i, &binfen_beiyuan, 6, Some(sept));
    b.record(jun30, &i, |r| {
        note(
            r,
            Some(InProgress),
            "河畔花园健身苑点已于1月底完成;缤纷小区和缤纷西苑健身苑点已于3月底完成,官河健身苑点已于5月完成,新州健身苑点安装中,将于6月底前完成,缤纷北苑健身苑点待小区提升改造一并推进。",
        )
    });
    for (site, status, text) in [
        (&hepan, Done, "河畔花园健身苑点已于1月底完成"),
        (
            &binfen_xiaoqu,
            Done,
            "缤纷小区和缤纷西苑健身苑点已于3月底完成",
        ),
        (
            &binfen_xiyuan,
            Done,
            "缤纷小区和缤纷西苑健身苑点已于3月底完成",
        ),
        (&guanhe, Done, "官河健身苑点已于5月完成"),
        (&xinzhou, InProgress, "新州健身苑点安装中,将于6月底前完成"),
        (
            &binfen_beiyuan,
            NotStarted,
            "缤纷北苑健身苑点待小区提升改造一并推进",
        ),
    ] {
        b.record(jun30, &i, |r| {
            r.site = Some(site.clone());
            note(r, Some(status), text);
        });
    }

    let i = b.item(
        &c2,
        4,
        "在街道范围内新建3处供居民休闲健身的口袋公园,计划9月底前完成。",
        &["公共管理办"],
        Some(month_end(9, "计划9月底前完成")),
    );
    b.target(
        &i,
        1,
        "新建口袋公园",
        3.0,
        "处",
        "新建3处供居民休闲健身的口袋公园",
    );
    b.record(jun30, &i, |r| note(r, Some(InProgress), "正在方案设计中。"));

    // 3 推进“数字西兴”建设
    let depts3 = ["党政综合办(大脑专班)", "公共管理办", "社区治理办", "各社区"];
    let c3 = b.category(3, "推进“数字西兴”建设,提升基层服务效率", true);
    let study = "目前仍在开展深化方案的可行性研究中,计划与缤纷未来街区结合推进。";
    let i = b.item(
        &c3,
        1,
        "推进街道数字驾驶舱建设,深化驾驶舱“美丽驿”与钉钉“美丽钉”模块的运作,做好序化队伍与网格队伍的长效管理,计划于3月开展深化方案的可行性研究,9月前完成与街道驾驶舱的数据对接,12月底前完成;",
        &depts3,
        Some(month_end(12, "12月底前完成")),
    );
    let m = b.milestone(
        &i,
        1,
        "计划于3月开展深化方案的可行性研究",
        month_end(3, "3月"),
    );
    b.milestone(
        &i,
        2,
        "9月前完成与街道驾驶舱的数据对接",
        month_end(8, "9月前"),
    );
    b.record(jun30, &i, |r| note(r, Some(InProgress), study));
    b.record(jun30, &i, |r| {
        r.milestone = Some(m.clone());
        note(r, Some(Done), "目前仍在开展深化方案的可行性研究中");
    });

    let i = b.item_in_cell(
        &c3,
        2,
        "推进2个智慧社区的建设,并做好襄七房社区“智慧襄庄”改进与深化,数字赋能社区服务能力,计划于3月对各社区开展调研并完成可行性研究方案,7月前试点实施,11月完成数据对接与街道平台互联调试,计划整体项目于12月底前完成;",
        &depts3,
        Some(month_end(12, "计划整体项目于12月底前完成")),
        true,
    );
    b.target(&i, 1, "智慧社区建设", 2.0, "个", "推进2个智慧社区的建设");
    b.milestone(
        &i,
        1,
        "计划于3月对各社区开展调研并完成可行性研究方案",
        month_end(3, "3月"),
    );
    b.milestone(&i, 2, "7月前试点实施", month_end(6, "7月前"));
    b.milestone(
        &i,
        3,
        "11月完成数据对接与街道平台互联调试",
        month_end(11, "11月"),
    );
    b.item_site(&i, &xiangqifang, 1, None);
    let modules: [(&str, &str, Option<RecordStatus>, &str); 9] = [
        ("(1)", "独居老人关怀场景", Some(InProgress), "算法与预警内容的完善已经完成,待充分测试后上线。"),
        ("(2)", "数字网格优化", Some(Done), "针对社区已有资源的展示和四个平台事件的展示已经全部完成并上线。"),
        ("(3)", "新增社区力量模块", None, "根据用户要求,在智慧襄庄平台数据驾驶舱首页新增“社区力量”模块,轮播展示社区的工作人员信息。"),
        ("(4)", "租客码第三阶段", Some(InProgress), "持续开发中。"),
        ("(5)", "出租房管理优化", Some(Done), "房屋类型自动变化的开发已完成并上线。"),
        ("(6)", "首页内容展示优化", Some(InProgress), "针对首页展示内容的优化持续开发中。"),
        ("(7)", "美丽杭州技术准备", Some(InProgress), "测试设备已经到位,持续进行方案验证。"),
        ("(8)", "垃圾分类预警短信", Some(Done), "垃圾分类预警短信已经发送。"),
        ("(9)", "社工APP重构", Some(InProgress), "根据实际情况,对现有的页面样式与内容进行重构,提高用户体验和稳定性。"),
    ];
    let mut cell = String::from("襄七房社区“智慧襄庄”进展:");
    for (n, (label, name, status, text)) in modules.iter().enumerate() {
        let wp = b.package(&i, &xiangqifang, n as u32 + 1, label, name, true);
        cell.push_str(&format!("\n{label}{name}:{text}"));
        b.record(jun30, &i, |r| {
            r.site = Some(xiangqifang.clone());
            r.package = Some(wp.clone());
            note(r, *status, &format!("{label}{name}:{text}"));
        });
    }
    b.record(jun30, &i, |r| {
        r.site = Some(xiangqifang.clone());
        note(r, Some(InProgress), &cell);
    });

    let i = b.item_in_cell(
        &c3,
        3,
        "推进省民政厅试点项目“数字信用社”建设,通过激励居民日常文明行为来打造“信用停”等2个子项的建设,计划于2月开展可行性研究,6月底前启动1个子项的试应用,整体项目计划于12月底前完成。",
        &depts3,
        Some(month_end(12, "整体项目计划于12月底前完成")),
        true,
    );
    b.target(&i, 1, "子项建设", 2.0, "个", "打造“信用停”等2个子项的建设");
    let m = b.milestone(&i, 1, "计划于2月开展可行性研究", month_end(2, "2月"));
    b.milestone(&i, 2, "6月底前启动1个子项的试应用", month_end(6, "6月底前"));
    b.record(jun30, &i, |r| note(r, Some(InProgress), study));
    b.record(jun30, &i, |r| {
        r.milestone = Some(m.clone());
        note(r, Some(Done), "目前仍在开展深化方案的可行性研究中");
    });

    // 4 推进“舒心西兴”建设
    let depts4 = ["区域发展办", "相关社区"];
    let c4 = b.category(4, "推进“舒心西兴”建设,开展老旧小区综合整治", false);
    let i = b.item(&c4, 1, "完成3个老旧小区整治。", &depts4, None);
    b.target(&i, 1, "老旧小区整治", 3.0, "个", "完成3个老旧小区整治");
    type Pkg<'a> = (&'a str, &'a str, f64, &'a str);
    let compounds: [(&String, &str, f64, &str, Vec<Pkg>); 3] = [
        (
            &baihe,
            "白鹤苑:(1)外立面改造及内墙涂料完成85%;(2)沿河松木桩已完成;停车场施工完成60%;(3)屋面及半地下室施工完成50%;(4)停车位及充电桩位施工完成40%。累计完成总工程量的52%。",
            52.0,
            "累计完成总工程量的52%",
            vec![
                ("(1)", "外立面改造及内墙涂料", 85.0, "外立面改造及内墙涂料完成85%"),
                ("(2)", "沿河松木桩", 100.0, "沿河松木桩已完成"),
                ("(2)", "停车场施工", 60.0, "停车场施工完成60%"),
                ("(3)", "屋面及半地下室施工", 50.0, "屋面及半地下室施工完成50%"),
                ("(4)", "停车位及充电桩位施工", 40.0, "停车位及充电桩位施工完成40%"),
            ],
        ),
        (
            &binkang,
            "滨康小区:(1)外立面改造及内墙涂料完成90%;(2)屋面施工完成95%;(3)外立面水管完成100%;(4)绿化工程完成50%;(5)室外配套工程完成20%;(6)地下汽车库施工完成20%。累计完成总工程量的58%。",
            58.0,
            "累计完成总工程量的58%",
            vec![
                ("(1)", "外立面改造及内墙涂料", 90.0, "外立面改造及内墙涂料完成90%"),
                ("(2)", "屋面施工", 95.0, "屋面施工完成95%"),
                ("(3)", "外立面水管", 100.0, "外立面水管完成100%"),
                ("(4)", "绿化工程", 50.0, "绿化工程完成50%"),
                ("(5)", "室外配套工程", 20.0, "室外配套工程完成20%"),
                ("(6)", "地下汽车库施工", 20.0, "地下汽车库施工完成20%"),
            ],
        ),
        (
            &binfen_beiyuan,
            "缤纷北苑:(1)多层外立面改造已完成,高层完成80%。(2)屋面防水工程完成60%。(3)内墙涂料和铺装完成85%。(4)地下车库改造完成80%。(5)消防及安装完成85%。(6)室外景观、铺装及园路完成30%。累计完成总工程量的62%。",
            62.0,
            "累计完成总工程量的62%",
            vec![
                ("(1)", "多层外立面改造", 100.0, "多层外立面改造已完成"),
                ("(1)", "高层外立面改造", 80.0, "高层完成80%"),
                ("(2)", "屋面防水工程", 60.0, "屋面防水工程完成60%"),
                ("(3)", "内墙涂料和铺装", 85.0, "内墙涂料和铺装完成85%"),
                ("(4)", "地下车库改造", 80.0, "地下车库改造完成80%"),
                ("(5)", "消防及安装", 85.0, "消防及安装完成85%"),
                ("(6)", "室外景观、铺装及园路", 30.0, "室外景观、铺装及园路完成30%"),
            ],
        ),
    ];
    let mut whole = Vec::new();
    for (n, (site, line, total, total_text, packages)) in compounds.iter().enumerate() {
        b.item_site(&i, site, n as u32 + 1, None);
        whole.push(*line);
        for (k, (label, name, pct, text)) in packages.iter().enumerate() {
            let wp = b.package(&i, site, k as u32 + 1, label, name, false);
            b.record(jun30, &i, |r| {
                r.site = Some((*site).clone());
                r.package = Some(wp.clone());
                r.percent = Some(*pct);
                if *pct >= 100.0 {
                    r.status = Some(Done);
                }
                r.note = (*text).into();
            });
        }
        b.record(jun30, &i, |r| {
            r.site = Some((*site).clone());
            r.percent = Some(*total);
            r.note = format!("{line}\n{total_text}");
        });
    }
    b.record(jun30, &i, |r| note(r, Some(InProgress), &whole.join("\n")));

    let i = b.item(
        &c4,
        2,
        "加装电梯200台并形成加装电梯后的长效管理模式,计划于12月底前全部完成。",
        &depts4,
        Some(month_end(12, "计划于12月底前全部完成")),
    );
    let lifts = b.target(&i, 1, "加装电梯", 200.0, "台", "加装电梯200台");
    let opened = b.stage(&lifts, 1, "新开", false);
    let hoisted = b.stage(&lifts, 2, "吊装完成", true);
    let progress = "今年新开73台,吊装完成22台,第一台涉及商铺的加梯在本月吊装。湘云雅苑、迎春南苑、迎春北苑在本月完成方案联审。";
    b.record(jun30, &i, |r| note(r, Some(InProgress), progress));
    b.record(jun30, &i, |r| {
        r.target = Some(lifts.clone());
        r.stage = Some(opened.clone());
        r.figure = Some(73.0);
        r.note = "今年新开73台".into();
    });
    b.record(jun30, &i, |r| {
        r.target = Some(lifts.clone());
        r.stage = Some(hoisted.clone());
        r.figure = Some(22.0);
        r.note = "吊装完成22台,第一台涉及商铺的加梯在本月吊装".into();
    });
    for (n, site) in [&xiangyun, &yingchun_nan, &yingchun_bei]
        .into_iter()
        .enumerate()
    {
        b.item_site(&i, site, n as u32 + 1, None);
        let wp = b.package(&i, site, 1, "", "方案联审", true);
        b.record(jun30, &i, |r| {
            r.site = Some(site.clone());
            r.package = Some(wp.clone());
            note(
                r,
                Some(Done),
                "湘云雅苑、迎春南苑、迎春北苑在本月完成方案联审",
            );
        });
    }

    // 5 推进“平安西兴”建设
    let c5 = b.category(5, "推进“平安西兴”建设,做好充电桩长效管理", false);
    let i = b.item(
        &c5,
        1,
        "安装电瓶车充电桩10处200个接口,安装新能源(电动)汽车充电桩10处,以缤纷东苑为试点安装安置小区高层电梯智能电动车识别系统20套,6月完成整体方案设计,7月完成电动车充电桩安装的第1批招投标,8月完成电动车充电桩第2批招投标同时完成汽车充电桩的采购,9月完成电动车充电桩第3批招投标,并计划于12月底全部完成。",
        &["平安建设办", "区域发展办(安置)", "相关社区"],
        Some(month_end(12, "并计划于12月底全部完成")),
    );
    let ebike = b.target(
        &i,
        1,
        "电瓶车充电桩",
        10.0,
        "处",
        "安装电瓶车充电桩10处200个接口",
    );
    b.target(
        &i,
        2,
        "电瓶车充电桩接口",
        200.0,
        "个",
        "安装电瓶车充电桩10处200个接口",
    );
    let car = b.target(
        &i,
        3,
        "新能源(电动)汽车充电桩",
        10.0,
        "处",
        "安装新能源(电动)汽车充电桩10处",
    );
    let recog = b.target(
        &i,
        4,
        "安置小区高层电梯智能电动车识别系统",
        20.0,
        "套",
        "以缤纷东苑为试点安装安置小区高层电梯智能电动车识别系统20套",
    );
    let installed = b.stage(&recog, 1, "安装完毕", false);
    b.stage(&recog, 2, "调试完成", true);
    for (n, (text, due)) in [
        ("6月完成整体方案设计", month_end(6, "6月")),
        ("7月完成电动车充电桩安装的第1批招投标", month_end(7, "7月")),
        (
            "8月完成电动车充电桩第2批招投标同时完成汽车充电桩的采购",
            month_end(8, "8月"),
        ),
        ("9月完成电动车充电桩第3批招投标", month_end(9, "9月")),
        ("计划于12月底全部完成", month_end(12, "12月底")),
    ]
    .into_iter()
    .enumerate()
    {
        b.milestone(&i, n as u32 + 1, text, due);
    }
    b.milestone(
        &i,
        6,
        "6月20日左右将启动缤纷区块电瓶车充电桩安装招投标程序",
        DateSpec::day(date(6, 20), "6月20日左右", Precision::Approximate),
    );
    b.milestone(&i, 7, "初步估计6月底进场施工", month_end(6, "6月底"));
    b.item_site(&i, &binfen_dongyuan, 1, None);
    b.item_site(&i, &binfen, 2, None);
    let car_text = "(1)电动汽车充电桩\n2021年街道民生工程计划安装电动汽车充电桩10处。截至6月15日,正在和国家电网公司对接相关事宜。";
    let recog_text = "(2)安置小区高层电梯智能电动车识别系统\n2021年街道民生工程计划在缤纷东苑试点安装安置小区高层电梯智能电动车识别系统20套。截至6月15日,20套系统已安装完毕,目前正在调试阶段。";
    let ebike_text = "(3)电瓶车充电桩\n2021年街道民生工程计划安装电瓶车充电桩10处200个接口,6月20日左右将启动缤纷区块电瓶车充电桩安装招投标程序,初步估计6月底进场施工。";
    b.record(jun15, &i, |r| {
        note(
            r,
            Some(InProgress),
            &[car_text, recog_text, ebike_text].join("\n"),
        )
    });
    b.record(jun15, &i, |r| {
        r.target = Some(car.clone());
        note(r, Some(InProgress), car_text);
    });
    b.record(jun15, &i, |r| {
        r.target = Some(recog.clone());
        r.stage = Some(installed.clone());
        r.site = Some(binfen_dongyuan.clone());
        r.figure = Some(20.0);
        note(r, Some(InProgress), recog_text);
    });
    b.record(jun15, &i, |r| {
        r.target = Some(ebike.clone());
        r.site = Some(binfen.clone());
        note(r, Some(NotStarted), ebike_text);
    });

    // 6 推进“幸福西兴”建设
    let c6 = b.category(6, "推进“幸福西兴”建设,提升社区服务功能", false);
    let i = b.item(
        &c6,
        1,
        "对于滨康二苑、湘云雅苑、白鹤苑3个社区“美好生活共同体”项目,计划于5月底前完成设计,7月底前完成招标工作,11月底前完成硬装。",
        &["社区治理办", "各社区"],
        Some(month_end(11, "11月底前完成硬装")),
    );
    b.target(
        &i,
        1,
        "社区“美好生活共同体”项目",
        3.0,
        "个",
        "滨康二苑、湘云雅苑、白鹤苑3个社区“美好生活共同体”项目",
    );
    b.milestone(&i, 1, "计划于5月底前完成设计", month_end(5, "5月底前"));
    b.milestone(&i, 2, "7月底前完成招标工作", month_end(7, "7月底前"));
    b.milestone(&i, 3, "11月底前完成硬装", month_end(11, "11月底前"));
    b.milestone(
        &i,
        4,
        "滨康二苑预计6月25日左右采购安装完成",
        DateSpec::day(date(6, 25), "6月25日左右", Precision::Approximate),
    );
    b.milestone(
        &i,
        5,
        "白鹤苑预计本周五出施工图",
        DateSpec::day(date(7, 2), "本周五", Precision::Approximate),
    );
    let stages = ["设计", "招标", "硬装", "软装"];
    let mut pkgs = Vec::new();
    for (n, site) in [&binkang_2, &xiangyun, &baihe].into_iter().enumerate() {
        b.item_site(&i, site, n as u32 + 1, None);
        let ids: Vec<String> = stages
            .iter()
            .enumerate()
            .map(|(k, s)| b.package(&i, site, k as u32 + 1, "", s, true))
            .collect();
        pkgs.push(ids);
    }
    let cell6 = "滨康二苑美好生活共同体二楼舞蹈室改用地板铺设,相关设施家具已做好预算报告,提交街道主任会议走采购程序,预计6月25日左右采购安装完成,软装正在咨询第三方进行效果设计;湘云雅苑美好生活共同体项目硬装已验收,正与施工单位对接整改,软装正在咨询第三方进行效果设计;白鹤苑社区美好生活共同体项目设计已完成,预计本周五出施工图。";
    b.record(jun30, &i, |r| note(r, Some(InProgress), cell6));
    let binkang_text = "滨康二苑美好生活共同体二楼舞蹈室改用地板铺设,相关设施家具已做好预算报告,提交街道主任会议走采购程序,预计6月25日左右采购安装完成,软装正在咨询第三方进行效果设计";
    let xiangyun_text =
        "湘云雅苑美好生活共同体项目硬装已验收,正与施工单位对接整改,软装正在咨询第三方进行效果设计";
    let baihe_text = "白鹤苑社区美好生活共同体项目设计已完成,预计本周五出施工图";
    for (site, pkg, status, text) in [
        (&binkang_2, &pkgs[0][3], InProgress, binkang_text),
        (&xiangyun, &pkgs[1][2], Done, xiangyun_text),
        (&xiangyun, &pkgs[1][3], InProgress, xiangyun_text),
        (&baihe, &pkgs[2][0], Done, baihe_text),
    ] {
        b.record(jun30, &i, |r| {
            r.site = Some(site.clone());
            r.package = Some(pkg.clone());
            note(r, Some(status), text);
        });
    }
    b.record(jun30, &i, |r| {
        r.site = Some(binkang_2.clone());
        note(r, Some(InProgress), binkang_text);
    });

    let i = b.item(
        &c6,
        2,
        "对于新建社区党群服务中心5个,计划于12月底前建设完成襄七房社区、马湖社区、协同社区、温馨社区党群服务中心4个,并新建沿街沿湖党群服务驿站1个。",
        &["党建工作办", "各社区"],
        Some(month_end(12, "计划于12月底前建设完成")),
    );
    b.target(
        &i,
        1,
        "社区党群服务中心",
        4.0,
        "个",
        "建设完成襄七房社区、马湖社区、协同社区、温馨社区党群服务中心4个",
    );
    b.target(
        &i,
        2,
        "沿街沿湖党群服务驿站",
        1.0,
        "个",
        "新建沿街沿湖党群服务驿站1个",
    );
    let cell = "襄七房党群服务中心设计、施工有序进行中;协同社区党群服务中心硬装已完成,软装及第三方运营工作运接沟通中;温馨社区党群服务中心提升装修施工已进场;马湖社区党群服务中心设计已完成,施工尚未进场。沿街沿湖党群驿站结合工匠公园提升一并进行。";
    b.record(jun30, &i, |r| note(r, Some(InProgress), cell));
    for (n, (site, status, text)) in [
        (
            &xiangqifang,
            Some(InProgress),
            "襄七房党群服务中心设计、施工有序进行中",
        ),
        (
            &mahu,
            Some(InProgress),
            "马湖社区党群服务中心设计已完成,施工尚未进场",
        ),
        (
            &xietong,
            Some(InProgress),
            "协同社区党群服务中心硬装已完成,软装及第三方运营工作运接沟通中",
        ),
        (
            &wenxin,
            Some(InProgress),
            "温馨社区党群服务中心提升装修施工已进场",
        ),
        (&yizhan, None, "沿街沿湖党群驿站结合工匠公园提升一并进行"),
    ]
    .into_iter()
    .enumerate()
    {
        b.item_site(&i, site, n as u32 + 1, None);
        b.record(jun30, &i, |r| {
            r.site = Some(site.clone());
            note(r, status, text);
        });
    }

    b.replica.doc
}

"""Topic bank for the synthetic demo data: 14 catalogue industries, 65 fine-grained topics.

Each topic carries bilingual keywords (real technical terms), bio sentence templates and enterprise
demand templates in simplified Chinese and English. Traditional Chinese text is never written here:
the generator converts simplified text with OpenCC. Gold labels are derived from topic identity and
the ``related`` links below, never from engine output.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Industry:
    """A catalogue industry with the suffix used to make enterprise names in it."""

    code: str
    label_zh: str
    label_en: str
    company_suffix_zh: str
    company_suffix_en: str


@dataclass(frozen=True)
class Topic:
    """A fine-grained research / demand topic inside one industry."""

    id: str
    industry: str
    label_zh: str
    label_en: str
    keywords: tuple[tuple[str, str], ...]  # (zh, en) pairs
    bio_zh: tuple[str, ...]
    bio_en: tuple[str, ...]
    demand_zh: tuple[str, ...]
    demand_en: tuple[str, ...]
    related: tuple[str, ...]  # topic ids in the same industry that count as partially relevant

    @cached_property
    def keywords_zh(self) -> tuple[str, ...]:
        """Chinese keywords in bank order."""
        return tuple(zh for zh, _ in self.keywords)

    @cached_property
    def keywords_en(self) -> tuple[str, ...]:
        """English keywords in bank order."""
        return tuple(en for _, en in self.keywords)


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "ngit",
        "新一代信息技术",
        "New-generation information technology",
        "信息技术",
        "Information Technology",
    ),
    Industry("ai", "人工智能", "Artificial intelligence", "智能科技", "Intelligent Technology"),
    Industry(
        "semiconductors",
        "集成电路与半导体",
        "Integrated circuits and semiconductors",
        "微电子",
        "Microelectronics",
    ),
    Industry(
        "equipment", "高端装备制造", "High-end equipment manufacturing", "智能装备", "Intelligent Equipment"
    ),
    Industry("materials", "新材料", "New materials", "新材料科技", "New Materials Technology"),
    Industry(
        "new_energy", "新能源与储能", "New energy and energy storage", "新能源科技", "New Energy Technology"
    ),
    Industry("biomedicine", "生物医药", "Biomedicine", "生物医药", "Biopharma"),
    Industry("medical_devices", "医疗器械", "Medical devices", "医疗器械", "Medical Devices"),
    Industry(
        "environment",
        "节能环保",
        "Energy saving and environmental protection",
        "环保科技",
        "Environmental Technology",
    ),
    Industry("agriculture", "现代农业", "Modern agriculture", "农业科技", "Agricultural Technology"),
    Industry("digital_creative", "数字创意", "Digital creative industries", "数字科技", "Digital Technology"),
    Industry(
        "automotive",
        "汽车与智能网联",
        "Automotive and intelligent connected vehicles",
        "汽车科技",
        "Automotive Technology",
    ),
    Industry("aerospace", "航空航天", "Aerospace", "航空科技", "Aerospace Technology"),
    Industry("chemicals", "精细化工", "Fine chemicals", "精细化工", "Fine Chemicals"),
)


def _kw(spec: str) -> tuple[tuple[str, str], ...]:
    """Parse ``"zh|en; zh|en"`` into keyword pairs (keeps the bank compact)."""
    pairs = []
    for item in spec.split(";"):
        zh, en = item.split("|")
        pairs.append((zh.strip(), en.strip()))
    return tuple(pairs)


def _t(
    topic_id: str,
    label_zh: str,
    label_en: str,
    keywords: str,
    bio_zh: tuple[str, ...],
    bio_en: tuple[str, ...],
    demand_zh: tuple[str, ...],
    demand_en: tuple[str, ...],
    related: tuple[str, ...],
) -> Topic:
    industry = topic_id.split(".")[0]
    return Topic(
        topic_id,
        industry,
        label_zh,
        label_en,
        _kw(keywords),
        bio_zh,
        bio_en,
        demand_zh,
        demand_en,
        tuple(f"{industry}.{slug}" for slug in related),
    )


TOPICS: tuple[Topic, ...] = (
    # ---------------------------------------------------------------- ngit
    _t(
        "ngit.wireless_5g",
        "5G/6G无线通信",
        "5G/6G wireless communication",
        "大规模MIMO|massive MIMO; 波束赋形|beamforming; 毫米波|millimeter wave; 信道估计|channel estimation;"
        " 基站射频|base-station RF; 太赫兹通信|terahertz communication; 开放无线接入网|Open RAN",
        (
            "长期从事大规模MIMO与波束赋形算法研究，参与3GPP标准化工作。",
            "主持毫米波基站射频前端与信道估计项目，多项成果应用于5G商用网络。",
        ),
        (
            "Works on massive MIMO and beamforming algorithms and has contributed to 3GPP standardisation.",
            "Led projects on millimeter-wave base-station RF front ends and channel estimation deployed in "
            "5G networks.",
        ),
        (
            "需开发面向5G小基站的64通道大规模MIMO波束赋形算法，单小区峰值吞吐量提升30%以上。",
            "计划研制毫米波频段（26GHz）射频前端模组，要求EVM优于3%，寻求信道估计与射频设计专家指导。",
        ),
        (
            "We need a 64-channel massive MIMO beamforming algorithm for 5G small cells that raises peak "
            "cell "
            "throughput by at least 30%.",
            "We are building a 26 GHz millimeter-wave RF front-end module with EVM below 3% and seek RF "
            "design advice.",
        ),
        ("optical_comm", "industrial_iot"),
    ),
    _t(
        "ngit.optical_comm",
        "光通信与光模块",
        "Optical communication and optical modules",
        "硅光子|silicon photonics; 相干光通信|coherent optical communication; 光模块|optical transceiver;"
        " 激光器芯片|laser chip; 数字信号处理|digital signal processing; 光纤放大器|optical fiber amplifier;"
        " 共封装光学|co-packaged optics",
        (
            "专注于硅光子集成与相干光通信，曾主导400G/800G光模块研发。",
            "研究方向为高速激光器芯片与共封装光学，拥有多项国际专利。",
        ),
        (
            "Specialises in silicon photonics integration and coherent optical communication; led 400G/800G "
            "transceiver development.",
            "Researches high-speed laser chips and co-packaged optics and holds several international "
            "patents.",
        ),
        (
            "我公司为数据中心光模块制造商，需开发800G硅光模块，功耗低于14W，寻求硅光子芯片设计专家。",
            "拟建设相干光通信DSP算法团队，解决长距离传输色散补偿与非线性损伤问题。",
        ),
        (
            "We manufacture data-centre optical modules and need an 800G silicon photonics transceiver "
            "below 14 W.",
            "We plan to build a coherent DSP algorithm team to handle dispersion compensation over "
            "long-haul links.",
        ),
        ("wireless_5g", "cloud_native"),
    ),
    _t(
        "ngit.cloud_native",
        "云计算与分布式系统",
        "Cloud computing and distributed systems",
        "容器编排|container orchestration; 微服务|microservices; 分布式数据库|distributed database;"
        " 服务网格|service mesh; 云原生|cloud native; 高可用架构|high-availability architecture;"
        " 存算分离|disaggregated storage",
        (
            "主要研究分布式数据库与云原生架构，曾任大型云服务商首席架构师。",
            "在容器编排、服务网格和高可用系统方面有十余年工程经验。",
        ),
        (
            "Researches distributed databases and cloud-native architecture; former chief architect at a "
            "large "
            "cloud provider.",
            "Has over ten years of engineering experience in container orchestration, service mesh and "
            "high-availability systems.",
        ),
        (
            "需将核心业务系统迁移至云原生微服务架构，支撑日均10亿次调用，可用性达到99.99%。",
            "拟自研存算分离的分布式数据库，要求支持PB级数据与跨地域强一致，寻求架构专家咨询。",
        ),
        (
            "We need to migrate our core systems to cloud-native microservices handling one billion calls "
            "a day "
            "at 99.99% availability.",
            "We are developing a distributed database with disaggregated storage for petabyte-scale data.",
        ),
        ("cybersecurity", "industrial_iot"),
    ),
    _t(
        "ngit.cybersecurity",
        "网络与数据安全",
        "Cybersecurity and data security",
        "零信任|zero trust; 入侵检测|intrusion detection; 隐私计算|privacy-preserving computation;"
        " 密码学|cryptography; 漏洞挖掘|vulnerability discovery; 联邦学习|federated learning;"
        " 后量子密码|post-quantum cryptography",
        (
            "从事密码学与隐私计算研究，在联邦学习安全方面发表顶会论文30余篇。",
            "曾负责跨国企业零信任安全体系建设，擅长漏洞挖掘与入侵检测。",
        ),
        (
            "Works on cryptography and privacy-preserving computation with over 30 top-venue papers on "
            "federated "
            "learning security.",
            "Built zero-trust security programmes at multinational firms; expert in vulnerability "
            "discovery and "
            "intrusion detection.",
        ),
        (
            "我公司为金融科技企业，需搭建隐私计算平台，实现多方数据联合建模且原始数据不出域。",
            "需对工控网络部署零信任架构与入侵检测系统，误报率控制在1%以下。",
        ),
        (
            "As a fintech company we need a privacy-preserving computation platform for joint modelling "
            "without "
            "sharing raw data.",
            "We need zero-trust architecture and intrusion detection for industrial control networks with "
            "under "
            "1% false alarms.",
        ),
        ("cloud_native",),
    ),
    _t(
        "ngit.industrial_iot",
        "工业互联网与物联网",
        "Industrial internet and IoT",
        "工业互联网平台|industrial internet platform; 边缘计算|edge computing; 时间敏感网络|time-sensitive "
        "networking;"
        " 数字孪生|digital twin; 低功耗广域网|LPWAN; OPC UA|OPC UA; 设备预测性维护|predictive maintenance",
        (
            "长期从事工业物联网与边缘计算研究，主导多个数字孪生工厂项目。",
            "研究时间敏感网络与OPC UA互联互通，服务于汽车与电子制造企业。",
        ),
        (
            "Researches industrial IoT and edge computing and has led several digital-twin factory projects.",
            "Works on time-sensitive networking and OPC UA interoperability for automotive and electronics "
            "plants.",
        ),
        (
            "需建设工厂级工业互联网平台，接入5000台以上设备，实现设备预测性维护，停机时间降低20%。",
            "拟开发基于数字孪生的产线监控系统，数据采集延迟小于10ms，寻求边缘计算专家合作。",
        ),
        (
            "We need a plant-level industrial internet platform connecting over 5,000 machines with "
            "predictive "
            "maintenance.",
            "We want a digital-twin production-line monitoring system with data latency under 10 ms.",
        ),
        ("wireless_5g", "cloud_native"),
    ),
    # ---------------------------------------------------------------- ai
    _t(
        "ai.computer_vision",
        "计算机视觉",
        "Computer vision",
        "目标检测|object detection; 图像分割|image segmentation; 三维重建|3D reconstruction;"
        " 视觉缺陷检测|visual defect inspection; 多目标跟踪|multi-object tracking; "
        "自监督学习|self-supervised learning;"
        " 视觉Transformer|vision transformer",
        (
            "研究方向为目标检测、图像分割与三维重建，在CVPR、ICCV发表论文40余篇。",
            "带领团队将视觉缺陷检测算法落地于面板和锂电产线。",
        ),
        (
            "Researches object detection, image segmentation and 3D reconstruction, with 40+ CVPR/ICCV "
            "papers.",
            "Leads a team that deployed visual defect inspection on display-panel and battery production "
            "lines.",
        ),
        (
            "需开发PCB表面视觉缺陷检测系统，漏检率低于0.1%，单板检测时间小于2秒。",
            "我公司为安防企业，需提升复杂场景下多目标跟踪精度，寻求计算机视觉海外专家技术指导。",
        ),
        (
            "We need a visual defect inspection system for PCBs with miss rate below 0.1% and under 2 s "
            "per board.",
            "As a security company we need better multi-object tracking in crowded scenes.",
        ),
        ("edge_ai", "robot_learning"),
    ),
    _t(
        "ai.nlp_llm",
        "自然语言处理与大模型",
        "Natural language processing and large language models",
        "大语言模型|large language model; 检索增强生成|retrieval-augmented generation; 知识图谱|knowledge "
        "graph;"
        " 机器翻译|machine translation; 指令微调|instruction tuning; 信息抽取|information extraction;"
        " 多语言模型|multilingual model",
        (
            "从事自然语言处理与大语言模型研究，专注检索增强生成与指令微调。",
            "主持多语言机器翻译与知识图谱构建项目，成果服务于跨境电商平台。",
        ),
        (
            "Works on natural language processing and large language models, focusing on retrieval-augmented "
            "generation and instruction tuning.",
            "Led multilingual machine translation and knowledge graph projects for cross-border e-commerce.",
        ),
        (
            "需构建面向制造业的行业大语言模型，基于检索增强生成实现技术文档问答，准确率达到90%。",
            "拟建设中英双语专利知识图谱，实现专利信息抽取与技术关联分析。",
        ),
        (
            "We need an industry large language model for manufacturing with retrieval-augmented question "
            "answering "
            "over technical documents.",
            "We plan a bilingual patent knowledge graph with automatic information extraction.",
        ),
        ("recommender", "edge_ai"),
    ),
    _t(
        "ai.robot_learning",
        "机器人与具身智能",
        "Robotics and embodied intelligence",
        "具身智能|embodied intelligence; 强化学习|reinforcement learning; 运动规划|motion planning;"
        " 灵巧操作|dexterous manipulation; 模仿学习|imitation learning; SLAM|SLAM; 人形机器人|humanoid robot",
        (
            "研究具身智能与机器人强化学习，开发的灵巧操作算法已用于物流分拣。",
            "长期从事移动机器人SLAM与运动规划研究，曾参与人形机器人整机研发。",
        ),
        (
            "Studies embodied intelligence and reinforcement learning for robots; his dexterous "
            "manipulation methods "
            "run in logistics sorting.",
            "Works on SLAM and motion planning for mobile robots and took part in humanoid robot "
            "development.",
        ),
        (
            "需为服务机器人开发基于模仿学习的抓取策略，对未知物体抓取成功率达到95%。",
            "我公司研发人形机器人，需解决双足行走运动规划与全身控制问题，寻求具身智能专家。",
        ),
        (
            "We need an imitation-learning grasping policy for service robots with 95% success on unseen "
            "objects.",
            "We develop humanoid robots and need help with bipedal motion planning and whole-body control.",
        ),
        ("computer_vision",),
    ),
    _t(
        "ai.recommender",
        "推荐系统与数据挖掘",
        "Recommender systems and data mining",
        "推荐算法|recommendation algorithm; 点击率预估|click-through rate prediction; 图神经网络|graph "
        "neural network;"
        " 用户画像|user profiling; 因果推断|causal inference; 时间序列预测|time series forecasting; "
        "异常检测|anomaly detection",
        (
            "专注推荐算法与点击率预估，曾任头部互联网公司推荐系统负责人。",
            "研究图神经网络、因果推断与时间序列预测在商业数据中的应用。",
        ),
        (
            "Focuses on recommendation algorithms and click-through rate prediction; previously headed "
            "recommender "
            "systems at a major internet company.",
            "Applies graph neural networks, causal inference and time series forecasting to business data.",
        ),
        (
            "需升级电商平台推荐算法，点击率提升15%以上，并建立基于因果推断的效果评估体系。",
            "拟构建零售门店销量时间序列预测模型，预测误差MAPE低于10%。",
        ),
        (
            "We need to upgrade our e-commerce recommendation algorithm to lift click-through rate by 15%.",
            "We want time series forecasting of store sales with MAPE below 10%.",
        ),
        ("nlp_llm",),
    ),
    _t(
        "ai.edge_ai",
        "边缘智能与模型压缩",
        "Edge AI and model compression",
        "模型量化|model quantization; 知识蒸馏|knowledge distillation; 神经网络加速器|neural network "
        "accelerator;"
        " 模型剪枝|model pruning; 端侧推理|on-device inference; 神经架构搜索|neural architecture search",
        (
            "研究模型量化、剪枝与知识蒸馏，推动深度学习模型在端侧芯片部署。",
            "曾参与神经网络加速器架构设计，擅长端侧推理框架优化。",
        ),
        (
            "Researches model quantization, pruning and knowledge distillation for deploying deep learning "
            "on "
            "edge chips.",
            "Contributed to neural network accelerator architectures and optimises on-device inference "
            "runtimes.",
        ),
        (
            "需将视觉大模型压缩部署到算力4TOPS的端侧芯片，INT8量化后精度损失小于1%。",
            "拟开发面向智能摄像头的端侧推理框架，推理延迟低于30ms。",
        ),
        (
            "We need to compress a vision model onto a 4 TOPS edge chip with under 1% accuracy loss after "
            "INT8 "
            "quantization.",
            "We want an on-device inference runtime for smart cameras with latency below 30 ms.",
        ),
        ("computer_vision", "nlp_llm"),
    ),
    # ---------------------------------------------------------------- semiconductors
    _t(
        "semiconductors.lithography",
        "光刻与图形化工艺",
        "Lithography and patterning",
        "极紫外光刻|EUV lithography; 光刻胶|photoresist; 光学邻近校正|optical proximity correction;"
        " 套刻精度|overlay accuracy; 多重图形化|multiple patterning; 掩模版|photomask; 刻蚀|etching",
        (
            "长期从事极紫外光刻与光刻胶材料研究，曾任国际半导体设备公司工艺主管。",
            "研究光学邻近校正与多重图形化技术，熟悉先进节点工艺整合。",
        ),
        (
            "Works on EUV lithography and photoresist materials; former process lead at an international "
            "semiconductor equipment maker.",
            "Researches optical proximity correction and multiple patterning for advanced-node process "
            "integration.",
        ),
        (
            "需提升28nm工艺光刻套刻精度至3nm以内，寻求光刻工艺整合专家指导。",
            "我公司开发ArF光刻胶，需优化分辨率与线边缘粗糙度，要求LER小于2nm。",
        ),
        (
            "We need to improve overlay accuracy on our 28 nm process to within 3 nm.",
            "We develop ArF photoresist and must reduce line-edge roughness below 2 nm.",
        ),
        ("advanced_packaging",),
    ),
    _t(
        "semiconductors.power_devices",
        "第三代半导体功率器件",
        "Wide-bandgap power devices",
        "碳化硅|silicon carbide; 氮化镓|gallium nitride; 功率MOSFET|power MOSFET; 外延生长|epitaxial growth;"
        " 栅氧可靠性|gate oxide reliability; 功率模块封装|power module packaging; "
        "宽禁带半导体|wide-bandgap semiconductor",
        (
            "从事碳化硅与氮化镓功率器件研究，在外延生长和栅氧可靠性方面成果丰富。",
            "曾主导车规级SiC功率MOSFET与功率模块开发并实现量产。",
        ),
        (
            "Works on silicon carbide and gallium nitride power devices, particularly epitaxial growth and "
            "gate oxide "
            "reliability.",
            "Led development of automotive-grade SiC power MOSFETs and power modules through mass "
            "production.",
        ),
        (
            "需开发1200V碳化硅MOSFET，比导通电阻低于3mΩ·cm²，通过车规级可靠性验证。",
            "拟建设6英寸氮化镓外延产线，需解决外延片翘曲与缺陷密度问题。",
        ),
        (
            "We need a 1200 V SiC MOSFET with specific on-resistance below 3 mΩ·cm² that passes automotive "
            "qualification.",
            "We are setting up a 6-inch GaN epitaxy line and must control wafer bow and defect density.",
        ),
        ("advanced_packaging", "analog_ic"),
    ),
    _t(
        "semiconductors.advanced_packaging",
        "先进封装与Chiplet",
        "Advanced packaging and chiplets",
        "芯粒|chiplet; 硅通孔|through-silicon via; 扇出型封装|fan-out packaging; 混合键合|hybrid bonding;"
        " 2.5D封装|2.5D packaging; 热管理|thermal management; 封装基板|package substrate",
        (
            "研究Chiplet异构集成与2.5D/3D封装，精通硅通孔与混合键合工艺。",
            "在扇出型封装与封装基板设计方面有二十年产业经验。",
        ),
        (
            "Researches chiplet heterogeneous integration and 2.5D/3D packaging, with deep knowledge of "
            "through-silicon via and hybrid bonding processes.",
            "Has twenty years of industry experience in fan-out packaging and package substrate design.",
        ),
        (
            "需开发基于Chiplet的2.5D封装方案，互连间距小于40μm，寻求先进封装专家技术指导。",
            "我公司为封测企业，拟导入混合键合工艺，需解决键合良率与翘曲控制问题。",
        ),
        (
            "We need a chiplet-based 2.5D packaging solution with interconnect pitch below 40 μm.",
            "As an OSAT we plan to introduce hybrid bonding and need to raise bonding yield.",
        ),
        ("lithography", "power_devices"),
    ),
    _t(
        "semiconductors.analog_ic",
        "模拟与射频集成电路设计",
        "Analog and RF IC design",
        "模数转换器|analog-to-digital converter; 锁相环|phase-locked loop; 低噪声放大器|low-noise amplifier;"
        " 电源管理芯片|power management IC; 射频前端|RF front end; 高速SerDes|high-speed SerDes",
        (
            "专注高速模数转换器与锁相环设计，多款芯片已流片量产。",
            "从事射频前端与电源管理芯片设计二十年，熟悉CMOS与BiCMOS工艺。",
        ),
        (
            "Designs high-speed analog-to-digital converters and phase-locked loops; several chips are in "
            "volume "
            "production.",
            "Has designed RF front ends and power management ICs for twenty years in CMOS and BiCMOS.",
        ),
        (
            "需设计12位5GS/s高速模数转换器，有效位数不低于9位，寻求模拟芯片设计专家。",
            "拟开发车规级电源管理芯片，静态电流低于10μA，需射频与模拟电路专家咨询。",
        ),
        (
            "We need a 12-bit 5 GS/s analog-to-digital converter with ENOB of at least 9 bits.",
            "We are developing an automotive power management IC with quiescent current below 10 μA.",
        ),
        ("eda", "power_devices"),
    ),
    _t(
        "semiconductors.eda",
        "EDA与芯片验证",
        "EDA and chip verification",
        "电子设计自动化|electronic design automation; 形式验证|formal verification; 布局布线|place and route;"
        " 静态时序分析|static timing analysis; 硬件仿真|hardware emulation; RISC-V|RISC-V",
        (
            "研究电子设计自动化算法，主攻布局布线与静态时序分析。",
            "曾在国际EDA公司负责形式验证工具开发，熟悉RISC-V处理器验证。",
        ),
        (
            "Researches electronic design automation algorithms, mainly place and route and static timing "
            "analysis.",
            "Developed formal verification tools at an international EDA vendor and knows RISC-V "
            "verification well.",
        ),
        (
            "需构建RISC-V处理器验证平台，功能覆盖率达到100%，寻求形式验证专家合作。",
            "我公司自研布局布线工具，需提升百万门级设计的时序收敛效率。",
        ),
        (
            "We need a RISC-V processor verification platform reaching full functional coverage.",
            "We build our own place-and-route tool and need faster timing closure on million-gate designs.",
        ),
        ("analog_ic",),
    ),
    # ---------------------------------------------------------------- equipment
    _t(
        "equipment.cnc_machining",
        "高档数控机床",
        "High-end CNC machine tools",
        "五轴联动|five-axis machining; 数控系统|CNC system; 热误差补偿|thermal error compensation;"
        " 主轴|spindle; 切削颤振|chatter suppression; 精密加工|precision machining; 伺服进给|servo feed "
        "drive",
        (
            "从事五轴联动数控机床与数控系统研究，擅长热误差补偿与切削颤振抑制。",
            "曾在德国机床企业负责高速电主轴与伺服进给系统开发。",
        ),
        (
            "Works on five-axis machine tools and CNC systems, specialising in thermal error compensation "
            "and chatter "
            "suppression.",
            "Developed high-speed spindles and servo feed drives at a German machine-tool builder.",
        ),
        (
            "需提升五轴加工中心定位精度至5μm以内，开展热误差补偿技术攻关。",
            "我公司生产航空结构件，需解决薄壁件切削颤振问题，寻求精密加工海外专家指导。",
        ),
        (
            "We need five-axis machining-centre positioning accuracy within 5 μm via thermal error "
            "compensation.",
            "We machine aerospace parts and need to suppress chatter on thin-walled components.",
        ),
        ("additive_manufacturing", "metrology"),
    ),
    _t(
        "equipment.industrial_robots",
        "工业机器人",
        "Industrial robots",
        "工业机器人|industrial robot; 协作机器人|collaborative robot; 精密减速器|precision reducer;"
        " 力控|force control; 离线编程|offline programming; 轨迹规划|trajectory planning; "
        "焊接机器人|welding robot",
        (
            "研究协作机器人力控与轨迹规划，主导开发多款六轴工业机器人。",
            "长期从事RV与谐波精密减速器设计，拥有丰富的产业化经验。",
        ),
        (
            "Researches force control and trajectory planning for collaborative robots and led several "
            "six-axis "
            "industrial robot products.",
            "Has long designed RV and harmonic precision reducers with extensive industrialisation "
            "experience.",
        ),
        (
            "需开发国产化RV减速器，传动误差小于1弧分，寿命达到6000小时。",
            "拟为汽车焊装线引入焊接机器人离线编程与轨迹优化，节拍缩短15%。",
        ),
        (
            "We need a domestic RV precision reducer with transmission error under 1 arcmin and 6,000 h "
            "life.",
            "We want offline programming and trajectory optimisation for welding robots on a body-in-white "
            "line.",
        ),
        ("cnc_machining", "metrology"),
    ),
    _t(
        "equipment.additive_manufacturing",
        "增材制造与激光加工",
        "Additive manufacturing and laser processing",
        "金属3D打印|metal 3D printing; 激光选区熔化|selective laser melting; 定向能量沉积|directed energy "
        "deposition;"
        " 超快激光|ultrafast laser; 激光焊接|laser welding; 拓扑优化|topology optimization; "
        "残余应力|residual stress",
        (
            "从事金属增材制造研究，在激光选区熔化工艺与残余应力控制方面成果突出。",
            "研究超快激光微加工与激光焊接，曾与多家航空企业开展合作。",
        ),
        (
            "Works on metal additive manufacturing, notably selective laser melting process control and "
            "residual "
            "stress.",
            "Researches ultrafast laser micromachining and laser welding with aerospace partners.",
        ),
        (
            "需开发钛合金激光选区熔化工艺，零件致密度大于99.5%，抗拉强度不低于950MPa。",
            "我公司为动力电池设备企业，需解决铝合金激光焊接气孔问题，寻求激光加工专家。",
        ),
        (
            "We need a selective laser melting process for titanium alloy reaching over 99.5% density.",
            "We build battery equipment and must eliminate porosity in aluminium laser welding.",
        ),
        ("cnc_machining",),
    ),
    _t(
        "equipment.metrology",
        "精密测量与智能检测",
        "Precision metrology and smart inspection",
        "三坐标测量|coordinate measuring machine; 激光干涉仪|laser interferometer; 机器视觉|machine vision;"
        " 在线检测|in-line inspection; 光学测量|optical metrology; 测量不确定度|measurement uncertainty",
        (
            "研究光学测量与激光干涉仪技术，主持过国家计量标准项目。",
            "在机器视觉在线检测与三坐标测量方面有丰富的工程经验。",
        ),
        (
            "Researches optical metrology and laser interferometry and led national measurement-standard "
            "projects.",
            "Has broad engineering experience in machine-vision in-line inspection and coordinate "
            "measuring machines.",
        ),
        (
            "需建设基于机器视觉的零部件在线检测系统，测量重复性优于2μm。",
            "拟研发纳米级激光干涉位移测量仪，测量不确定度小于10nm。",
        ),
        (
            "We need machine-vision in-line inspection of parts with repeatability better than 2 μm.",
            "We are developing a laser interferometer for displacement measurement with uncertainty below "
            "10 nm.",
        ),
        ("cnc_machining", "industrial_robots"),
    ),
    _t(
        "equipment.hydraulics",
        "液压与流体传动",
        "Hydraulics and fluid power",
        "电液伺服阀|electro-hydraulic servo valve; 液压泵|hydraulic pump; 密封|sealing; 流体仿真|CFD "
        "simulation;"
        " 工程机械|construction machinery; 负载敏感|load sensing",
        (
            "从事电液伺服阀与负载敏感液压系统研究，服务于工程机械行业。",
            "研究液压泵噪声与密封可靠性，熟练运用流体仿真方法。",
        ),
        (
            "Works on electro-hydraulic servo valves and load-sensing hydraulic systems for construction "
            "machinery.",
            "Studies hydraulic pump noise and sealing reliability using CFD simulation.",
        ),
        (
            "需研制高频响电液伺服阀，频宽大于200Hz，寻求液压与流体传动专家。",
            "我公司为工程机械企业，需降低柱塞泵噪声至75dB以下。",
        ),
        (
            "We need a high-response electro-hydraulic servo valve with bandwidth above 200 Hz.",
            "We make construction machinery and need to cut piston pump noise below 75 dB.",
        ),
        ("industrial_robots",),
    ),
    # ---------------------------------------------------------------- materials
    _t(
        "materials.graphene_2d",
        "石墨烯与二维材料",
        "Graphene and 2D materials",
        "石墨烯|graphene; 二维材料|two-dimensional materials; 化学气相沉积|chemical vapor deposition;"
        " 导热膜|thermal conductive film; 二硫化钼|molybdenum disulfide; 分散液|dispersion; "
        "柔性电极|flexible electrode",
        (
            "长期从事石墨烯与二维材料制备研究，擅长化学气相沉积大面积生长。",
            "研究石墨烯导热膜与柔性电极的产业化应用。",
        ),
        (
            "Works on the synthesis of graphene and two-dimensional materials, especially large-area "
            "chemical vapor "
            "deposition.",
            "Researches industrial uses of graphene thermal films and flexible electrodes.",
        ),
        (
            "需开发手机散热用石墨烯导热膜，面内热导率大于1500W/(m·K)。",
            "拟实现石墨烯分散液规模化生产，解决团聚与批次稳定性问题。",
        ),
        (
            "We need a graphene thermal conductive film for phones with in-plane conductivity above 1,500 "
            "W/(m·K).",
            "We want to scale up graphene dispersion production and stop agglomeration.",
        ),
        ("composites", "coatings"),
    ),
    _t(
        "materials.superalloys",
        "高温合金与先进金属材料",
        "Superalloys and advanced metals",
        "高温合金|superalloy; 单晶叶片|single-crystal blade; 高熵合金|high-entropy alloy; 粉末冶金|powder "
        "metallurgy;"
        " 热处理|heat treatment; 蠕变|creep; 钛合金|titanium alloy",
        (
            "研究镍基高温合金与单晶叶片凝固工艺，熟悉蠕变与疲劳性能评价。",
            "从事高熵合金与粉末冶金钛合金研究，多项成果实现工程应用。",
        ),
        (
            "Researches nickel-based superalloys and single-crystal blade solidification, with expertise "
            "in creep "
            "and fatigue.",
            "Works on high-entropy alloys and powder-metallurgy titanium alloys, several in engineering use.",
        ),
        (
            "需开发燃气轮机用镍基高温合金，1100℃持久寿命超过100小时。",
            "我公司生产钛合金紧固件，需优化热处理工艺，提高疲劳强度20%。",
        ),
        (
            "We need a nickel-based superalloy for gas turbines with stress-rupture life over 100 h at "
            "1,100 °C.",
            "We make titanium alloy fasteners and need heat treatment that raises fatigue strength by 20%.",
        ),
        ("ceramics", "coatings"),
    ),
    _t(
        "materials.composites",
        "碳纤维与复合材料",
        "Carbon fibre and composites",
        "碳纤维|carbon fiber; 树脂基复合材料|polymer matrix composite; 预浸料|prepreg; "
        "热塑性复合材料|thermoplastic composite;"
        " 自动铺丝|automated fiber placement; 界面改性|interface modification; 损伤容限|damage tolerance",
        (
            "从事碳纤维增强树脂基复合材料研究，精通预浸料与自动铺丝工艺。",
            "研究热塑性复合材料界面改性与损伤容限，参与多个航空型号研制。",
        ),
        (
            "Researches carbon-fiber-reinforced polymer matrix composites, prepreg and automated fiber "
            "placement.",
            "Works on interface modification and damage tolerance of thermoplastic composites for aircraft "
            "programmes.",
        ),
        (
            "需开发T800级碳纤维预浸料，层间剪切强度大于90MPa，寻求复合材料专家技术指导。",
            "拟开发汽车用热塑性复合材料部件，成型周期小于3分钟。",
        ),
        (
            "We need T800-grade carbon fiber prepreg with interlaminar shear strength above 90 MPa.",
            "We are developing thermoplastic composite car parts with a moulding cycle under 3 minutes.",
        ),
        ("graphene_2d", "superalloys"),
    ),
    _t(
        "materials.ceramics",
        "先进陶瓷",
        "Advanced ceramics",
        "氮化硅陶瓷|silicon nitride ceramics; 氧化锆|zirconia; 陶瓷基板|ceramic substrate; 流延成型|tape "
        "casting;"
        " 烧结|sintering; 陶瓷基复合材料|ceramic matrix composite; 压电陶瓷|piezoelectric ceramics",
        (
            "研究氮化硅陶瓷基板与陶瓷烧结机理，成果用于功率模块散热。",
            "从事压电陶瓷与陶瓷基复合材料研究三十年。",
        ),
        (
            "Researches silicon nitride ceramic substrates and sintering mechanisms for power module "
            "cooling.",
            "Has worked on piezoelectric ceramics and ceramic matrix composites for thirty years.",
        ),
        (
            "需开发高导热氮化硅陶瓷基板，热导率大于90W/(m·K)，抗弯强度大于700MPa。",
            "我公司生产无铅压电陶瓷，需提升压电常数d33至400pC/N以上。",
        ),
        (
            "We need a silicon nitride ceramic substrate with thermal conductivity above 90 W/(m·K).",
            "We produce lead-free piezoelectric ceramics and need d33 above 400 pC/N.",
        ),
        ("superalloys", "coatings"),
    ),
    _t(
        "materials.coatings",
        "功能涂层与表面工程",
        "Functional coatings and surface engineering",
        "热障涂层|thermal barrier coating; 物理气相沉积|physical vapor deposition; 防腐涂层|anti-corrosion "
        "coating;"
        " 耐磨涂层|wear-resistant coating; 等离子喷涂|plasma spraying; 表面改性|surface modification",
        (
            "研究热障涂层与等离子喷涂工艺，服务于航空发动机与燃气轮机。",
            "从事物理气相沉积耐磨涂层和表面改性技术研究。",
        ),
        (
            "Researches thermal barrier coatings and plasma spraying for aero engines and gas turbines.",
            "Works on physical vapor deposition of wear-resistant coatings and surface modification.",
        ),
        (
            "需开发刀具用PVD耐磨涂层，硬度大于35GPa，寿命提高一倍。",
            "拟开发海洋装备防腐涂层，耐盐雾时间超过3000小时。",
        ),
        (
            "We need a PVD wear-resistant coating for cutting tools with hardness above 35 GPa.",
            "We want an anti-corrosion coating for marine equipment lasting over 3,000 h in salt spray.",
        ),
        ("superalloys", "ceramics"),
    ),
    # ---------------------------------------------------------------- new_energy
    _t(
        "new_energy.solid_state_battery",
        "固态电池",
        "Solid-state batteries",
        "固态电解质|solid electrolyte; 锂金属负极|lithium metal anode; 界面阻抗|interfacial impedance;"
        " 硫化物电解质|sulfide electrolyte; 氧化物电解质|oxide electrolyte; 离子电导率|ionic conductivity;"
        " 锂枝晶|lithium dendrite",
        (
            "长期从事固态电解质与锂金属负极研究，重点解决界面阻抗与锂枝晶问题。",
            "研究硫化物电解质的离子电导率与空气稳定性，发表论文60余篇。",
        ),
        (
            "Works on solid electrolytes and lithium metal anodes, focusing on interfacial impedance and "
            "dendrite "
            "suppression.",
            "Studies ionic conductivity and air stability of sulfide electrolytes, with over 60 papers.",
        ),
        (
            "我公司为新能源汽车动力电池企业，需开发高安全固态电解质，解决界面阻抗问题，"
            "寻求海外专家技术指导。",
            "需开发硫化物固态电解质，室温离子电导率不低于10mS/cm，电芯能量密度达到400Wh/kg。",
        ),
        (
            "We make EV batteries and need a safe solid electrolyte with low interfacial impedance.",
            "We need a sulfide solid electrolyte with room-temperature ionic conductivity of at least 10 "
            "mS/cm.",
        ),
        ("lithium_ion", "grid_storage"),
    ),
    _t(
        "new_energy.lithium_ion",
        "锂离子电池材料与电芯",
        "Lithium-ion battery materials and cells",
        "高镍正极|high-nickel cathode; 硅碳负极|silicon-carbon anode; 电解液|electrolyte; 快充|fast charging;"
        " 循环寿命|cycle life; 钠离子电池|sodium-ion battery; 磷酸铁锂|lithium iron phosphate",
        (
            "从事高镍正极与硅碳负极材料研究，曾任国际电池企业研发总监。",
            "研究锂离子电池快充与循环寿命衰减机理，并开展钠离子电池开发。",
        ),
        (
            "Works on high-nickel cathodes and silicon-carbon anodes; former R&D director at a global "
            "battery maker.",
            "Studies fast charging and cycle-life degradation of lithium-ion cells and develops sodium-ion "
            "batteries.",
        ),
        (
            "需开发4C快充磷酸铁锂电芯，循环寿命超过3000次，寻求电池材料专家。",
            "拟量产钠离子电池，需优化层状氧化物正极与硬碳负极匹配。",
        ),
        (
            "We need a 4C fast-charging lithium iron phosphate cell with over 3,000 cycles.",
            "We plan to mass-produce sodium-ion batteries and need help matching cathode and hard-carbon "
            "anode.",
        ),
        ("solid_state_battery", "grid_storage"),
    ),
    _t(
        "new_energy.photovoltaics",
        "光伏与钙钛矿电池",
        "Photovoltaics and perovskite solar cells",
        "钙钛矿太阳能电池|perovskite solar cell; 异质结|heterojunction; 叠层电池|tandem solar cell;"
        " 光电转换效率|power conversion efficiency; 钝化|passivation; TOPCon|TOPCon; 组件封装|module "
        "encapsulation",
        (
            "研究钙钛矿太阳能电池与晶硅叠层电池，光电转换效率多次刷新纪录。",
            "从事异质结与TOPCon电池钝化技术研究，熟悉光伏组件封装可靠性。",
        ),
        (
            "Researches perovskite and perovskite-silicon tandem solar cells with record power conversion "
            "efficiency.",
            "Works on heterojunction and TOPCon passivation and on module encapsulation reliability.",
        ),
        (
            "需开发大面积钙钛矿组件，光电转换效率超过18%，通过湿热1000小时测试。",
            "我公司为光伏企业，需提升TOPCon电池效率至26%，寻求钝化工艺专家。",
        ),
        (
            "We need large-area perovskite modules above 18% efficiency that pass 1,000 h damp heat.",
            "As a PV manufacturer we need TOPCon cells at 26% efficiency.",
        ),
        ("grid_storage",),
    ),
    _t(
        "new_energy.hydrogen",
        "氢能与燃料电池",
        "Hydrogen and fuel cells",
        "质子交换膜燃料电池|proton exchange membrane fuel cell; 电解水制氢|water electrolysis; "
        "催化剂|catalyst;"
        " 膜电极|membrane electrode assembly; 储氢|hydrogen storage; 双极板|bipolar plate",
        (
            "从事质子交换膜燃料电池膜电极与低铂催化剂研究。",
            "研究碱性与PEM电解水制氢及高压储氢技术，参与多个示范项目。",
        ),
        (
            "Works on membrane electrode assemblies and low-platinum catalysts for PEM fuel cells.",
            "Researches alkaline and PEM water electrolysis and high-pressure hydrogen storage.",
        ),
        (
            "需开发燃料电池膜电极，铂载量低于0.2mg/cm²，功率密度大于1.2W/cm²。",
            "拟建设兆瓦级PEM电解水制氢装置，需降低电耗至4.3kWh/Nm³以下。",
        ),
        (
            "We need a fuel cell MEA with platinum loading below 0.2 mg/cm² and over 1.2 W/cm².",
            "We plan a megawatt PEM water electrolysis plant and need power use below 4.3 kWh/Nm³.",
        ),
        ("grid_storage",),
    ),
    _t(
        "new_energy.grid_storage",
        "储能系统与电池管理",
        "Energy storage systems and battery management",
        "电池管理系统|battery management system; 荷电状态估计|state-of-charge estimation; 储能变流器|power "
        "conversion system;"
        " 热失控预警|thermal runaway warning; 液流电池|flow battery; 虚拟电厂|virtual power plant",
        (
            "研究电池管理系统与荷电状态估计算法，主导多个百兆瓦时储能电站项目。",
            "从事储能变流器与虚拟电厂调度研究，熟悉液流电池系统集成。",
        ),
        (
            "Researches battery management systems and state-of-charge estimation; led several 100 MWh "
            "storage "
            "plants.",
            "Works on power conversion systems and virtual power plant dispatch and on flow battery "
            "integration.",
        ),
        (
            "需开发储能电站电池管理系统，SOC估计误差小于2%，具备热失控预警功能。",
            "拟建设工商业储能与虚拟电厂平台，寻求储能系统集成海外专家。",
        ),
        (
            "We need a BMS for storage plants with SOC error below 2% and thermal runaway warning.",
            "We plan commercial storage with a virtual power plant platform.",
        ),
        ("lithium_ion", "solid_state_battery", "photovoltaics"),
    ),
    # ---------------------------------------------------------------- biomedicine
    _t(
        "biomedicine.antibody",
        "抗体药物",
        "Antibody therapeutics",
        "单克隆抗体|monoclonal antibody; 双特异性抗体|bispecific antibody; 抗体偶联药物|antibody-drug "
        "conjugate;"
        " 细胞株开发|cell line development; 免疫原性|immunogenicity; 亲和力成熟|affinity maturation",
        (
            "从事双特异性抗体与抗体偶联药物研发，曾主导多个项目进入临床。",
            "研究单克隆抗体细胞株开发与亲和力成熟技术。",
        ),
        (
            "Develops bispecific antibodies and antibody-drug conjugates and has taken several programmes "
            "into the "
            "clinic.",
            "Works on cell line development and affinity maturation for monoclonal antibodies.",
        ),
        (
            "需开发抗体偶联药物连接子与偶联工艺，药物抗体比DAR控制在4±0.5。",
            "我公司为生物药企业，需建立CHO细胞株开发平台，表达量达到5g/L以上。",
        ),
        (
            "We need linker and conjugation process development for an antibody-drug conjugate with DAR "
            "4±0.5.",
            "We need a CHO cell line development platform with titre above 5 g/L.",
        ),
        ("cell_therapy", "mrna"),
    ),
    _t(
        "biomedicine.cell_therapy",
        "细胞与基因治疗",
        "Cell and gene therapy",
        "嵌合抗原受体T细胞|CAR-T; 基因编辑|gene editing; 腺相关病毒|adeno-associated virus; "
        "慢病毒载体|lentiviral vector;"
        " 干细胞|stem cell; 细胞制备工艺|cell manufacturing",
        (
            "研究CAR-T细胞治疗与基因编辑技术，在实体瘤治疗方面有原创成果。",
            "从事腺相关病毒与慢病毒载体工艺开发，熟悉GMP细胞制备。",
        ),
        (
            "Researches CAR-T cell therapy and gene editing with original work on solid tumours.",
            "Develops adeno-associated virus and lentiviral vector processes and knows GMP cell "
            "manufacturing.",
        ),
        (
            "需建立慢病毒载体规模化生产工艺，滴度提升至1E8 TU/mL，寻求基因治疗专家。",
            "拟开发通用型CAR-T产品，需解决基因编辑脱靶与移植物抗宿主病问题。",
        ),
        (
            "We need scaled lentiviral vector production with titre of 1E8 TU/mL.",
            "We are developing allogeneic CAR-T and must control gene editing off-target effects.",
        ),
        ("antibody", "mrna"),
    ),
    _t(
        "biomedicine.mrna",
        "mRNA与核酸药物",
        "mRNA and nucleic acid drugs",
        "信使RNA|messenger RNA; 脂质纳米颗粒|lipid nanoparticle; 小干扰RNA|siRNA; 递送系统|delivery system;"
        " 体外转录|in vitro transcription; 修饰核苷|modified nucleoside",
        ("从事mRNA疫苗与脂质纳米颗粒递送系统研究。", "研究小干扰RNA药物的化学修饰与肝外递送。"),
        (
            "Works on mRNA vaccines and lipid nanoparticle delivery systems.",
            "Researches chemical modification and extrahepatic delivery of siRNA drugs.",
        ),
        (
            "需开发新型可电离脂质与脂质纳米颗粒配方，包封率大于90%。",
            "我公司拟建设mRNA体外转录与纯化工艺平台，产物完整性大于95%。",
        ),
        (
            "We need new ionizable lipids and lipid nanoparticle formulations with over 90% encapsulation.",
            "We plan an in vitro transcription and purification platform for mRNA.",
        ),
        ("antibody", "cell_therapy"),
    ),
    _t(
        "biomedicine.small_molecule",
        "小分子创新药",
        "Small-molecule drug discovery",
        "药物化学|medicinal chemistry; 计算机辅助药物设计|computer-aided drug design; 靶点发现|target "
        "discovery;"
        " 药代动力学|pharmacokinetics; 蛋白降解靶向嵌合体|PROTAC; 先导化合物优化|lead optimization",
        (
            "长期从事药物化学与先导化合物优化，参与发现多个临床候选药物。",
            "研究计算机辅助药物设计与PROTAC蛋白降解剂。",
        ),
        (
            "Medicinal chemist focused on lead optimization who helped discover several clinical candidates.",
            "Works on computer-aided drug design and PROTAC protein degraders.",
        ),
        (
            "需开展激酶抑制剂先导化合物优化，改善药代动力学性质，口服生物利用度大于30%。",
            "拟建立PROTAC药物设计平台，寻求药物化学与计算化学专家。",
        ),
        (
            "We need lead optimization of kinase inhibitors to reach oral bioavailability above 30%.",
            "We want a PROTAC design platform and seek medicinal chemistry expertise.",
        ),
        ("synthetic_biology",),
    ),
    _t(
        "biomedicine.synthetic_biology",
        "合成生物学与生物制造",
        "Synthetic biology and biomanufacturing",
        "合成生物学|synthetic biology; 代谢工程|metabolic engineering; 发酵工艺|fermentation process;"
        " 酶工程|enzyme engineering; 底盘细胞|chassis cell; 基因线路|genetic circuit",
        (
            "从事合成生物学与代谢工程研究，构建了多种高产底盘细胞。",
            "研究酶工程与发酵工艺放大，推动生物制造产业化。",
        ),
        (
            "Works on synthetic biology and metabolic engineering and has built several high-yield chassis "
            "cells.",
            "Researches enzyme engineering and fermentation scale-up for biomanufacturing.",
        ),
        (
            "需通过代谢工程构建高产菌株，发酵产量达到100g/L，寻求合成生物学专家。",
            "拟将酶催化工艺从5L放大到50吨发酵罐，需发酵工艺专家指导。",
        ),
        (
            "We need a metabolically engineered strain reaching 100 g/L fermentation titre.",
            "We need to scale an enzymatic process from 5 L to a 50-tonne fermenter.",
        ),
        ("small_molecule",),
    ),
    # ---------------------------------------------------------------- medical_devices
    _t(
        "medical_devices.imaging",
        "医学影像设备",
        "Medical imaging equipment",
        "磁共振成像|magnetic resonance imaging; 计算机断层扫描|computed tomography; 超声成像|ultrasound "
        "imaging;"
        " 图像重建|image reconstruction; 探测器|detector; 低剂量成像|low-dose imaging",
        (
            "研究磁共振成像快速序列与图像重建算法，曾在国际影像设备企业任职。",
            "从事超声成像与CT探测器研发，熟悉低剂量成像技术。",
        ),
        (
            "Researches fast MRI sequences and image reconstruction; previously at an international "
            "imaging company.",
            "Develops ultrasound imaging and CT detectors with expertise in low-dose imaging.",
        ),
        (
            "需开发基于深度学习的CT低剂量图像重建算法，剂量降低50%且图像质量不下降。",
            "我公司研发便携式超声设备，需提升成像分辨率与探头一致性。",
        ),
        (
            "We need deep-learning image reconstruction for low-dose CT that halves the dose.",
            "We build portable ultrasound and need better resolution and probe consistency.",
        ),
        ("ivd", "surgical_robots"),
    ),
    _t(
        "medical_devices.ivd",
        "体外诊断",
        "In-vitro diagnostics",
        "体外诊断|in vitro diagnostics; 化学发光|chemiluminescence; 微流控芯片|microfluidic chip; "
        "即时检测|point-of-care testing;"
        " 数字PCR|digital PCR; 生物传感器|biosensor",
        (
            "研究微流控芯片与即时检测技术，开发的化学发光平台已获注册证。",
            "从事数字PCR与生物传感器研发，熟悉IVD产品注册流程。",
        ),
        (
            "Develops microfluidic chips and point-of-care testing; her chemiluminescence platform is "
            "approved.",
            "Works on digital PCR and biosensors and knows IVD regulatory pathways.",
        ),
        (
            "需开发微流控即时检测卡盒，15分钟出结果，检测灵敏度达到pg/mL级。",
            "拟开发全自动化学发光分析仪，测试速度达到每小时300测试。",
        ),
        (
            "We need a microfluidic point-of-care cartridge with results in 15 minutes at pg/mL sensitivity.",
            "We are developing an automated chemiluminescence analyser running 300 tests per hour.",
        ),
        ("imaging",),
    ),
    _t(
        "medical_devices.implants",
        "植介入器械",
        "Implantable and interventional devices",
        "可降解支架|bioresorbable stent; 人工关节|artificial joint; 心脏瓣膜|heart valve; "
        "生物相容性|biocompatibility;"
        " 表面涂层|surface coating; 介入导管|interventional catheter",
        ("研究可降解支架与介入导管设计，参与多项临床试验。", "从事人工关节与心脏瓣膜材料的生物相容性研究。"),
        (
            "Designs bioresorbable stents and interventional catheters and has run several clinical trials.",
            "Researches biocompatibility of artificial joint and heart valve materials.",
        ),
        (
            "需开发镁合金可降解支架，降解周期控制在6至12个月，寻求植介入器械专家。",
            "我公司研发经导管主动脉瓣膜，需优化瓣叶耐久性至4亿次循环。",
        ),
        (
            "We need a magnesium bioresorbable stent degrading in 6 to 12 months.",
            "We develop transcatheter aortic valves and need leaflet durability of 400 million cycles.",
        ),
        ("surgical_robots",),
    ),
    _t(
        "medical_devices.surgical_robots",
        "手术机器人",
        "Surgical robots",
        "手术机器人|surgical robot; 微创手术|minimally invasive surgery; 手术导航|surgical navigation;"
        " 力反馈|haptic feedback; 连续体机器人|continuum robot; 远程手术|telesurgery",
        (
            "研究微创手术机器人与连续体机器人，具有多年临床转化经验。",
            "从事手术导航与力反馈技术研究，参与远程手术系统研发。",
        ),
        (
            "Researches minimally invasive surgical robots and continuum robots with clinical translation "
            "experience.",
            "Works on surgical navigation and haptic feedback and helped develop telesurgery systems.",
        ),
        (
            "需开发骨科手术导航机器人，定位精度优于1mm，寻求手术机器人专家指导。",
            "拟研发腔镜手术机器人力反馈系统，需解决器械末端力感知问题。",
        ),
        (
            "We need an orthopaedic surgical navigation robot accurate to within 1 mm.",
            "We are developing haptic feedback for a laparoscopic surgical robot.",
        ),
        ("imaging", "implants"),
    ),
    # ---------------------------------------------------------------- environment
    _t(
        "environment.water_treatment",
        "水处理与膜技术",
        "Water treatment and membranes",
        "膜分离|membrane separation; 反渗透|reverse osmosis; 膜生物反应器|membrane bioreactor; "
        "高级氧化|advanced oxidation;"
        " 零排放|zero liquid discharge; 污水处理|wastewater treatment",
        (
            "从事反渗透膜与膜生物反应器研究，主持多个工业污水零排放项目。",
            "研究高级氧化技术处理难降解有机废水。",
        ),
        (
            "Works on reverse osmosis membranes and membrane bioreactors and led several zero liquid "
            "discharge "
            "projects.",
            "Researches advanced oxidation for refractory organic wastewater.",
        ),
        (
            "需对电镀园区废水实施零排放改造，处理规模5000吨/日，回用率大于90%。",
            "我公司生产反渗透膜，需提升脱盐率至99.8%并降低运行压力。",
        ),
        (
            "We need zero liquid discharge for an electroplating park treating 5,000 t/day.",
            "We make reverse osmosis membranes and need 99.8% salt rejection at lower pressure.",
        ),
        ("solid_waste", "air_pollution"),
    ),
    _t(
        "environment.air_pollution",
        "大气污染治理",
        "Air pollution control",
        "挥发性有机物|volatile organic compounds; 脱硝催化剂|denitrification catalyst; 除尘|dust removal;"
        " 蓄热式焚烧|regenerative thermal oxidizer; 烟气脱硫|flue gas desulfurization; 在线监测|online "
        "monitoring",
        (
            "研究挥发性有机物治理与脱硝催化剂，成果应用于石化与涂装行业。",
            "从事烟气脱硫除尘与大气在线监测技术研究。",
        ),
        (
            "Researches VOC abatement and denitrification catalysts for petrochemical and coating plants.",
            "Works on flue gas desulfurization, dust removal and online air monitoring.",
        ),
        (
            "需治理喷涂车间VOCs排放，去除效率大于95%，排放浓度低于30mg/m³。",
            "拟开发低温脱硝催化剂，在180℃下脱硝效率超过90%。",
        ),
        (
            "We need VOC abatement in a paint shop with over 95% removal efficiency.",
            "We want a low-temperature denitrification catalyst above 90% efficiency at 180 °C.",
        ),
        ("water_treatment", "carbon_capture"),
    ),
    _t(
        "environment.solid_waste",
        "固废资源化",
        "Solid waste recycling",
        "固体废物|solid waste; 资源化利用|resource recovery; 废旧电池回收|battery recycling; "
        "危废处置|hazardous waste disposal;"
        " 湿法冶金|hydrometallurgy; 厌氧消化|anaerobic digestion",
        (
            "从事废旧电池回收与湿法冶金研究，有色金属回收率处于国际领先。",
            "研究有机固废厌氧消化与危废处置技术。",
        ),
        (
            "Works on battery recycling and hydrometallurgy with leading metal recovery rates.",
            "Researches anaerobic digestion of organic waste and hazardous waste disposal.",
        ),
        (
            "需建设废旧锂电池回收产线，镍钴锰回收率大于98%，锂回收率大于90%。",
            "拟开发餐厨垃圾厌氧消化工艺，产气率提升20%。",
        ),
        (
            "We need a battery recycling line recovering over 98% of nickel, cobalt and manganese.",
            "We want better anaerobic digestion of food waste with 20% more biogas.",
        ),
        ("water_treatment",),
    ),
    _t(
        "environment.carbon_capture",
        "碳捕集利用与封存",
        "Carbon capture, utilisation and storage",
        "碳捕集|carbon capture; 胺吸收|amine absorption; 二氧化碳转化|CO2 conversion; 碳足迹|carbon "
        "footprint;"
        " 吸附材料|adsorbent; 碳中和|carbon neutrality",
        (
            "研究燃烧后碳捕集与新型吸附材料，参与多个CCUS示范工程。",
            "从事二氧化碳电催化转化与碳足迹核算研究。",
        ),
        (
            "Researches post-combustion carbon capture and new adsorbents in several CCUS demonstrations.",
            "Works on electrocatalytic CO2 conversion and carbon footprint accounting.",
        ),
        (
            "需建设10万吨/年燃烧后碳捕集装置，捕集能耗低于2.4GJ/t CO2。",
            "我公司为出口制造企业，需建立产品碳足迹核算体系，满足欧盟碳边境调节机制要求。",
        ),
        (
            "We need a 100,000 t/yr post-combustion carbon capture unit below 2.4 GJ per tonne of CO2.",
            "We export goods and need a product carbon footprint system for the EU CBAM.",
        ),
        ("air_pollution", "energy_efficiency"),
    ),
    _t(
        "environment.energy_efficiency",
        "工业节能与余热利用",
        "Industrial energy efficiency and waste heat",
        "余热回收|waste heat recovery; 热泵|heat pump; 能效诊断|energy audit; 有机朗肯循环|organic Rankine "
        "cycle;"
        " 综合能源|integrated energy system; 电机节能|motor efficiency",
        ("从事工业余热回收与有机朗肯循环研究，完成多项能效诊断项目。", "研究高温热泵与综合能源系统优化。"),
        (
            "Works on industrial waste heat recovery and organic Rankine cycles; completed many energy "
            "audits.",
            "Researches high-temperature heat pumps and integrated energy system optimisation.",
        ),
        (
            "需对陶瓷窑炉开展余热回收改造，综合能耗降低15%。",
            "拟在园区建设综合能源系统，引入120℃高温热泵替代燃气锅炉。",
        ),
        (
            "We need waste heat recovery for ceramic kilns that cuts energy use by 15%.",
            "We plan an integrated energy system with 120 °C heat pumps replacing gas boilers.",
        ),
        ("carbon_capture",),
    ),
    # ---------------------------------------------------------------- agriculture
    _t(
        "agriculture.crop_breeding",
        "作物分子育种",
        "Crop molecular breeding",
        "分子育种|molecular breeding; 基因组选择|genomic selection; 基因编辑育种|genome-edited breeding;"
        " 抗逆性|stress tolerance; 种质资源|germplasm resources; 分子标记|molecular marker",
        (
            "研究水稻与玉米分子育种，利用基因组选择提高育种效率。",
            "从事作物抗逆性与基因编辑育种研究，熟悉种质资源创新。",
        ),
        (
            "Researches rice and maize molecular breeding using genomic selection.",
            "Works on crop stress tolerance and genome-edited breeding and germplasm innovation.",
        ),
        (
            "需建立蔬菜基因组选择育种平台，育种周期缩短30%。",
            "我公司为种业企业，需开发耐高温水稻新品种，寻求分子标记辅助育种专家。",
        ),
        (
            "We need a genomic selection platform for vegetables that shortens breeding by 30%.",
            "As a seed company we need heat-tolerant rice using marker-assisted breeding.",
        ),
        ("smart_farming",),
    ),
    _t(
        "agriculture.smart_farming",
        "智慧农业",
        "Smart farming",
        "农业物联网|agricultural IoT; 精准灌溉|precision irrigation; 植物工厂|plant factory; "
        "农业无人机|agricultural drone;"
        " 作物表型|crop phenotyping; 遥感监测|remote sensing monitoring",
        ("研究农业物联网与精准灌溉系统，在设施农业领域有丰富经验。", "从事植物工厂光配方与作物表型研究。"),
        (
            "Researches agricultural IoT and precision irrigation with deep greenhouse experience.",
            "Works on plant factory light recipes and crop phenotyping.",
        ),
        (
            "需建设植物工厂，生菜单位面积产量提升40%，单位能耗降低20%。",
            "拟开发果园精准灌溉与遥感监测系统，节水30%以上。",
        ),
        (
            "We need a plant factory that raises lettuce yield per area by 40%.",
            "We want precision irrigation and remote sensing for orchards saving 30% water.",
        ),
        ("crop_breeding", "aquaculture"),
    ),
    _t(
        "agriculture.aquaculture",
        "水产养殖",
        "Aquaculture",
        "循环水养殖|recirculating aquaculture system; 水产疫苗|fish vaccine; 饲料配方|feed formulation;"
        " 水质调控|water quality control; 病害防控|disease control; 深远海养殖|offshore aquaculture",
        (
            "从事循环水养殖系统与水质调控研究，服务于华南对虾养殖。",
            "研究水产疫苗与病害防控，参与深远海养殖装备研发。",
        ),
        (
            "Works on recirculating aquaculture systems and water quality control for shrimp farming.",
            "Researches fish vaccines, disease control and offshore aquaculture equipment.",
        ),
        (
            "需建设对虾循环水养殖系统，养殖密度达到每立方米300尾，成活率大于80%。",
            "拟开发石斑鱼病害防控方案与疫苗，寻求水产养殖专家。",
        ),
        (
            "We need a shrimp recirculating aquaculture system at 300 per cubic metre with over 80% "
            "survival.",
            "We need disease control and vaccines for grouper farming.",
        ),
        ("smart_farming", "food_processing"),
    ),
    _t(
        "agriculture.food_processing",
        "食品加工与保鲜",
        "Food processing and preservation",
        "冷链保鲜|cold chain preservation; 食品安全检测|food safety testing; 功能性食品|functional food;"
        " 超高压加工|high-pressure processing; 发酵食品|fermented food; 货架期|shelf life",
        (
            "研究果蔬冷链保鲜与超高压加工技术，延长货架期效果显著。",
            "从事功能性食品与发酵食品开发，熟悉食品安全检测。",
        ),
        (
            "Researches cold chain preservation and high-pressure processing of produce to extend shelf "
            "life.",
            "Develops functional and fermented foods and knows food safety testing.",
        ),
        (
            "需开发荔枝冷链保鲜技术，货架期延长至30天，腐损率低于5%。",
            "我公司为食品企业，需开发益生菌功能性食品并建立功效评价体系。",
        ),
        (
            "We need lychee cold chain preservation extending shelf life to 30 days.",
            "We are a food company developing probiotic functional foods.",
        ),
        ("aquaculture",),
    ),
    # ---------------------------------------------------------------- digital_creative
    _t(
        "digital_creative.game_engine",
        "游戏引擎与实时渲染",
        "Game engines and real-time rendering",
        "实时渲染|real-time rendering; 光线追踪|ray tracing; 游戏引擎|game engine; 物理模拟|physics "
        "simulation;"
        " 程序化生成|procedural generation; 着色器|shader",
        (
            "研究实时渲染与光线追踪技术，参与多款3A游戏引擎开发。",
            "从事物理模拟与程序化生成研究，擅长着色器优化。",
        ),
        (
            "Researches real-time rendering and ray tracing and helped build several AAA game engines.",
            "Works on physics simulation and procedural generation with strong shader optimisation skills.",
        ),
        (
            "需自研移动端游戏引擎渲染管线，中端手机上稳定60帧。",
            "拟开发程序化生成开放世界场景工具，寻求实时渲染专家咨询。",
        ),
        (
            "We need a mobile game engine render pipeline holding 60 fps on mid-range phones.",
            "We want procedural generation tools for open-world scenes.",
        ),
        ("vr_ar", "digital_human"),
    ),
    _t(
        "digital_creative.vr_ar",
        "虚拟现实与增强现实",
        "Virtual and augmented reality",
        "虚拟现实|virtual reality; 增强现实|augmented reality; 光波导|optical waveguide; 空间定位|spatial "
        "tracking;"
        " 眼动追踪|eye tracking; 近眼显示|near-eye display",
        ("研究增强现实光波导与近眼显示，拥有多项光学设计专利。", "从事虚拟现实空间定位与眼动追踪研究。"),
        (
            "Researches augmented reality optical waveguides and near-eye displays with several optics "
            "patents.",
            "Works on spatial tracking and eye tracking for virtual reality.",
        ),
        (
            "需开发AR眼镜衍射光波导，视场角大于50度，光效提升一倍。",
            "拟开发VR一体机眼动追踪模组，追踪精度优于0.5度。",
        ),
        (
            "We need a diffractive optical waveguide for AR glasses with over 50 degrees field of view.",
            "We want an eye tracking module for VR headsets accurate to 0.5 degrees.",
        ),
        ("game_engine", "digital_human"),
    ),
    _t(
        "digital_creative.digital_human",
        "数字人与动作捕捉",
        "Digital humans and motion capture",
        "数字人|digital human; 动作捕捉|motion capture; 面部表情驱动|facial animation; "
        "语音驱动|speech-driven animation;"
        " 三维扫描|3D scanning; 虚拟主播|virtual streamer",
        (
            "研究数字人面部表情驱动与语音驱动动画，服务于影视与直播行业。",
            "从事光学动作捕捉与三维扫描技术研发。",
        ),
        (
            "Researches facial animation and speech-driven animation of digital humans for film and "
            "streaming.",
            "Develops optical motion capture and 3D scanning.",
        ),
        (
            "需开发实时语音驱动数字人，口型同步延迟低于100ms，用于电商直播。",
            "我公司为影视制作企业，需搭建无标记动作捕捉系统。",
        ),
        (
            "We need real-time speech-driven digital humans with lip-sync latency under 100 ms.",
            "We are a film studio needing markerless motion capture.",
        ),
        ("game_engine", "vr_ar"),
    ),
    _t(
        "digital_creative.video_tech",
        "超高清视频与编解码",
        "Ultra-HD video and codecs",
        "视频编码|video coding; 超高清|ultra high definition; 高动态范围|high dynamic range; "
        "视频超分辨率|video super-resolution;"
        " 流媒体传输|video streaming; 画质增强|image quality enhancement",
        (
            "参与H.266/VVC视频编码标准制定，研究超高清与高动态范围视频。",
            "研究视频超分辨率与画质增强算法，服务于流媒体平台。",
        ),
        (
            "Contributed to the H.266/VVC video coding standard and researches ultra-HD and HDR video.",
            "Works on video super-resolution and image quality enhancement for streaming platforms.",
        ),
        (
            "需开发8K超高清视频实时编码器，码率较HEVC降低30%。",
            "拟为流媒体平台开发视频超分辨率算法，实现720p到4K实时增强。",
        ),
        (
            "We need a real-time 8K video encoder with 30% lower bitrate than HEVC.",
            "We want video super-resolution from 720p to 4K in real time.",
        ),
        ("game_engine",),
    ),
    # ---------------------------------------------------------------- automotive
    _t(
        "automotive.autonomous_driving",
        "自动驾驶",
        "Autonomous driving",
        "自动驾驶|autonomous driving; 多传感器融合|multi-sensor fusion; 激光雷达|lidar; 决策规划|decision "
        "and planning;"
        " 高精地图|HD map; 端到端自动驾驶|end-to-end driving; 仿真测试|simulation testing",
        (
            "研究自动驾驶多传感器融合与决策规划，曾任国际车企自动驾驶部门负责人。",
            "从事激光雷达感知与自动驾驶仿真测试研究。",
        ),
        (
            "Researches multi-sensor fusion and decision and planning for autonomous driving; former head "
            "of an "
            "automaker's self-driving unit.",
            "Works on lidar perception and simulation testing of automated vehicles.",
        ),
        (
            "需开发城市NOA自动驾驶决策规划算法，接管里程大于200公里。",
            "我公司为Tier1供应商，需提升激光雷达与摄像头多传感器融合感知性能。",
        ),
        (
            "We need urban navigate-on-autopilot planning with over 200 km between takeovers.",
            "As a tier-1 supplier we need better lidar and camera multi-sensor fusion.",
        ),
        ("v2x",),
    ),
    _t(
        "automotive.electric_drive",
        "电驱动与电机控制",
        "Electric drives and motor control",
        "永磁同步电机|permanent magnet synchronous motor; 电机控制器|motor controller; 扁线电机|hairpin "
        "motor;"
        " 碳化硅逆变器|SiC inverter; 多合一电驱|integrated e-drive; 噪声振动|NVH",
        (
            "从事永磁同步电机设计与电机控制研究，主导多款扁线电机量产。",
            "研究碳化硅逆变器与多合一电驱系统NVH优化。",
        ),
        (
            "Designs permanent magnet synchronous motors and motor control; led several hairpin motors to "
            "production.",
            "Researches SiC inverters and NVH optimisation of integrated e-drives.",
        ),
        (
            "需开发800V碳化硅电机控制器，最高效率大于99%，功率密度大于50kW/L。",
            "拟开发多合一电驱系统，降低高速啸叫噪声，寻求电驱NVH专家。",
        ),
        (
            "We need an 800 V SiC motor controller with peak efficiency above 99%.",
            "We are developing an integrated e-drive and must reduce high-speed whine.",
        ),
        ("thermal_management",),
    ),
    _t(
        "automotive.v2x",
        "车联网与智能座舱",
        "Vehicle networking and smart cockpit",
        "车联网|vehicle-to-everything; 智能座舱|smart cockpit; 车载操作系统|in-vehicle operating system;"
        " 远程升级|over-the-air update; 车载以太网|automotive Ethernet; 功能安全|functional safety",
        (
            "研究C-V2X车联网通信与车路协同，参与相关行业标准制定。",
            "从事智能座舱与车载操作系统开发，熟悉功能安全与OTA远程升级。",
        ),
        (
            "Researches C-V2X communication and vehicle-road cooperation and contributed to industry "
            "standards.",
            "Develops smart cockpits and in-vehicle operating systems with functional safety and OTA "
            "expertise.",
        ),
        (
            "需开发车路协同V2X路侧单元，通信时延低于20ms。",
            "我公司为汽车电子企业，需构建智能座舱域控制器软件平台，满足ASIL-B功能安全要求。",
        ),
        (
            "We need V2X roadside units with latency under 20 ms.",
            "We need a smart cockpit domain controller platform meeting ASIL-B functional safety.",
        ),
        ("autonomous_driving",),
    ),
    _t(
        "automotive.lightweight",
        "汽车轻量化",
        "Vehicle lightweighting",
        "一体化压铸|integrated die casting; 铝合金车身|aluminium body; 轻量化设计|lightweight design;"
        " 碰撞安全|crash safety; 免热处理铝合金|heat-treatment-free aluminium alloy; 连接工艺|joining "
        "technology",
        (
            "研究一体化压铸与免热处理铝合金，参与多款车型轻量化车身开发。",
            "从事汽车碰撞安全与轻量化设计研究。",
        ),
        (
            "Researches integrated die casting and heat-treatment-free aluminium alloys for lightweight "
            "bodies.",
            "Works on crash safety and lightweight design of vehicles.",
        ),
        (
            "需开发一体化压铸后底板，免热处理铝合金延伸率大于10%。",
            "拟对纯电车型白车身进行轻量化设计，减重15%并满足碰撞安全五星要求。",
        ),
        (
            "We need an integrated die-cast rear underbody with heat-treatment-free alloy above 10% "
            "elongation.",
            "We want a 15% lighter body-in-white for an EV while keeping five-star crash safety.",
        ),
        ("thermal_management",),
    ),
    _t(
        "automotive.thermal_management",
        "整车热管理",
        "Vehicle thermal management",
        "热泵空调|heat pump air conditioning; 电池热管理|battery thermal management; 二氧化碳冷媒|CO2 "
        "refrigerant;"
        " 集成热管理模块|integrated thermal module; 冷却液|coolant; 低温续航|cold-weather range",
        (
            "研究电动汽车热泵空调与电池热管理，主导集成热管理模块开发。",
            "从事二氧化碳冷媒热泵系统与低温续航优化研究。",
        ),
        (
            "Researches EV heat pump air conditioning and battery thermal management; led an integrated "
            "thermal "
            "module.",
            "Works on CO2 refrigerant heat pumps and cold-weather range optimisation.",
        ),
        (
            "需开发二氧化碳冷媒热泵系统，-20℃下制热COP大于2。",
            "我公司为热管理零部件企业，需开发集成热管理模块，提升低温续航10%。",
        ),
        (
            "We need a CO2 heat pump system with heating COP above 2 at -20 °C.",
            "We need an integrated thermal module that improves cold-weather range by 10%.",
        ),
        ("electric_drive", "lightweight"),
    ),
    # ---------------------------------------------------------------- aerospace
    _t(
        "aerospace.uav",
        "无人机系统",
        "Unmanned aerial systems",
        "无人机|unmanned aerial vehicle; 飞控系统|flight control system; 电动垂直起降|eVTOL; "
        "集群协同|swarm coordination;"
        " 航迹规划|path planning; 低空经济|low-altitude economy",
        ("研究无人机飞控系统与集群协同控制，参与多个低空经济项目。", "从事eVTOL电动垂直起降飞行器总体设计。"),
        (
            "Researches UAV flight control systems and swarm coordination for low-altitude economy projects.",
            "Works on overall design of eVTOL aircraft.",
        ),
        (
            "需开发物流无人机航迹规划与避障系统，续航大于60分钟，载重10kg。",
            "我公司研发eVTOL飞行器，需解决倾转旋翼过渡段飞控问题，寻求海外专家。",
        ),
        (
            "We need path planning and obstacle avoidance for logistics drones with 60 min endurance.",
            "We are developing an eVTOL and need flight control for tilt-rotor transition.",
        ),
        ("avionics",),
    ),
    _t(
        "aerospace.aero_engine",
        "航空发动机",
        "Aero engines",
        "航空发动机|aero engine; 燃烧室|combustor; 涡轮叶片冷却|turbine blade cooling; 压气机|compressor;"
        " 叶片气动设计|blade aerodynamic design; 健康管理|health monitoring",
        (
            "研究航空发动机燃烧室与涡轮叶片冷却技术，曾任国际发动机企业首席工程师。",
            "从事压气机叶片气动设计与发动机健康管理研究。",
        ),
        (
            "Researches aero engine combustors and turbine blade cooling; former chief engineer at an "
            "engine maker.",
            "Works on compressor blade aerodynamic design and engine health monitoring.",
        ),
        (
            "需优化涡轮叶片冷却结构，叶片温度降低50K，寻求航空发动机专家。",
            "拟建立小型涡扇发动机健康管理系统，实现故障预测与寿命评估。",
        ),
        (
            "We need a turbine blade cooling design that lowers blade temperature by 50 K.",
            "We want engine health monitoring for small turbofans.",
        ),
        ("avionics",),
    ),
    _t(
        "aerospace.satellite",
        "卫星导航与遥感",
        "Satellite navigation and remote sensing",
        "卫星导航|satellite navigation; 北斗|BeiDou; 高精度定位|high-precision positioning; "
        "合成孔径雷达|synthetic aperture radar;"
        " 遥感影像|remote sensing imagery; 低轨卫星|low Earth orbit satellite",
        ("研究北斗高精度定位与低轨卫星导航增强。", "从事合成孔径雷达与遥感影像智能解译研究。"),
        (
            "Researches high-precision BeiDou positioning and LEO navigation augmentation.",
            "Works on synthetic aperture radar and intelligent interpretation of remote sensing imagery.",
        ),
        (
            "需开发北斗高精度定位模组，实时定位精度达到厘米级。",
            "拟利用合成孔径雷达遥感影像监测地表形变，精度达到毫米级。",
        ),
        (
            "We need a BeiDou positioning module with centimetre-level real-time accuracy.",
            "We want SAR remote sensing to monitor ground deformation at millimetre level.",
        ),
        ("uav", "avionics"),
    ),
    _t(
        "aerospace.avionics",
        "航电与飞行控制",
        "Avionics and flight control",
        "航电系统|avionics; 适航认证|airworthiness certification; 飞行控制律|flight control law; "
        "机载软件|airborne software;"
        " 综合模块化航电|integrated modular avionics; DO-178C|DO-178C",
        (
            "从事综合模块化航电与机载软件研发，熟悉DO-178C与适航认证。",
            "研究飞行控制律设计与验证，参与民机型号研制。",
        ),
        (
            "Develops integrated modular avionics and airborne software with DO-178C and airworthiness "
            "expertise.",
            "Researches flight control law design and validation for civil aircraft programmes.",
        ),
        (
            "需开发符合DO-178C A级的机载软件，寻求适航认证专家咨询。",
            "我公司研制通用航空飞机，需完成航电系统集成与飞行控制律设计。",
        ),
        (
            "We need airborne software compliant with DO-178C level A and airworthiness guidance.",
            "We build general aviation aircraft and need avionics integration and flight control laws.",
        ),
        ("uav", "aero_engine"),
    ),
    # ---------------------------------------------------------------- chemicals
    _t(
        "chemicals.electronic_chemicals",
        "电子化学品",
        "Electronic chemicals",
        "湿电子化学品|wet electronic chemicals; 高纯试剂|high-purity reagent; 抛光液|CMP slurry; "
        "电子特气|electronic specialty gas;"
        " 金属杂质|metal impurities; 光刻胶单体|photoresist monomer",
        (
            "研究半导体用湿电子化学品与CMP抛光液，熟悉ppt级金属杂质控制。",
            "从事电子特气与光刻胶单体合成纯化研究。",
        ),
        (
            "Researches wet electronic chemicals and CMP slurries for semiconductors with ppt-level metal "
            "impurity "
            "control.",
            "Works on synthesis and purification of electronic specialty gases and photoresist monomers.",
        ),
        (
            "需开发G5级电子级硫酸，金属杂质含量低于10ppt。",
            "我公司生产CMP抛光液，需提升铜抛光选择比与表面缺陷控制。",
        ),
        (
            "We need G5 electronic-grade sulfuric acid with metal impurities below 10 ppt.",
            "We make CMP slurry and need better copper selectivity and defect control.",
        ),
        ("catalysis",),
    ),
    _t(
        "chemicals.catalysis",
        "催化与绿色化工",
        "Catalysis and green chemical processes",
        "多相催化|heterogeneous catalysis; 分子筛|zeolite; 加氢|hydrogenation; 绿色合成|green synthesis;"
        " 催化剂寿命|catalyst lifetime; 选择性|selectivity",
        (
            "研究分子筛多相催化与加氢工艺，多项催化剂实现工业应用。",
            "从事绿色合成工艺开发，关注催化剂寿命与选择性。",
        ),
        (
            "Researches zeolite heterogeneous catalysis and hydrogenation with several catalysts in "
            "industrial use.",
            "Develops green synthesis processes with a focus on catalyst lifetime and selectivity.",
        ),
        (
            "需开发加氢催化剂，选择性大于98%，催化剂寿命超过8000小时。",
            "拟用分子筛催化替代传统酸催化工艺，减少三废排放50%。",
        ),
        (
            "We need a hydrogenation catalyst with over 98% selectivity and 8,000 h lifetime.",
            "We want zeolite catalysis to replace acid catalysis and halve waste.",
        ),
        ("flow_chemistry", "electronic_chemicals"),
    ),
    _t(
        "chemicals.specialty_polymers",
        "高性能涂料与胶黏剂",
        "High-performance coatings and adhesives",
        "水性涂料|waterborne coating; 胶黏剂|adhesive; 聚氨酯|polyurethane; 环氧树脂|epoxy resin;"
        " 低VOC|low VOC; 光固化|UV curing",
        ("研究水性涂料与聚氨酯胶黏剂配方，服务于家电与汽车行业。", "从事环氧树脂与光固化材料研发。"),
        (
            "Formulates waterborne coatings and polyurethane adhesives for appliances and cars.",
            "Develops epoxy resins and UV-curing materials.",
        ),
        (
            "需开发低VOC水性工业涂料，耐盐雾500小时，替代溶剂型产品。",
            "我公司为电子胶黏剂企业，需开发低温固化环氧胶，80℃固化30分钟。",
        ),
        (
            "We need a low-VOC waterborne industrial coating with 500 h salt spray resistance.",
            "We need an epoxy adhesive that cures in 30 minutes at 80 °C.",
        ),
        ("catalysis",),
    ),
    _t(
        "chemicals.flow_chemistry",
        "连续流与过程强化",
        "Flow chemistry and process intensification",
        "连续流反应|continuous flow reaction; 微反应器|microreactor; 过程强化|process intensification;"
        " 本质安全|inherent safety; 硝化反应|nitration; 过程分析技术|process analytical technology",
        (
            "研究微反应器连续流工艺与过程强化，推动危险反应本质安全化。",
            "从事硝化等高危反应的连续流工艺开发与过程分析技术应用。",
        ),
        (
            "Researches microreactor continuous flow processes and process intensification for inherent "
            "safety.",
            "Develops continuous flow processes for hazardous nitration using process analytical technology.",
        ),
        (
            "需将硝化反应由釜式改造为微反应器连续流工艺，持液量减少90%。",
            "我公司为医药中间体企业，需建立连续流工艺平台，收率提升10%。",
        ),
        (
            "We need to move a batch nitration to microreactor continuous flow with 90% less hold-up.",
            "We make pharmaceutical intermediates and want a continuous flow platform with 10% higher yield.",
        ),
        ("catalysis",),
    ),
)

TOPICS_BY_ID: dict[str, Topic] = {topic.id: topic for topic in TOPICS}
INDUSTRIES_BY_CODE: dict[str, Industry] = {industry.code: industry for industry in INDUSTRIES}
